import Foundation
import Testing
import TarmacModel

/// `config.hooks` (Tarmac extension): decoding, echo, and refusals naming the field.
@Suite("Lifecycle hooks in MachineConfig")
struct MachineHooksTests {
    static func decode(_ json: String) throws -> MachineConfig {
        try JSONDecoder().decode(MachineConfig.self, from: Data(json.utf8))
    }

    @Test("hooks decode, round-trip and pass validation; unknown fields beside them are ignored")
    func decoding() throws {
        let config = try Self.decode(#"{"image":"nginx","hooks":{"post_start":[{"exec":["sh","-c","echo up"],"timeout":"5s"}],"pre_stop":[{"exec":["nginx","-s","quit"]}],"later":1}}"#)
        #expect(config.hooks?.postStart == [MachineHook(exec: ["sh", "-c", "echo up"], timeout: GoDuration(seconds: 5))])
        #expect(config.hooks?.hooks(at: .preStop).first?.effectiveTimeout == MachineHook.defaultTimeout)
        let again = try JSONDecoder().decode(MachineConfig.self, from: JSONEncoder().encode(config))
        #expect(again == config)
        _ = try ConfigValidation.normalize(config)
    }

    @Test("bad hooks are refused naming the field", arguments: [
        (#"{"post_start":[{"timeout":"5s"}]}"#, "config.hooks.post_start[0].exec"),
        (#"{"pre_stop":[{"exec":["true"]},{"exec":[]}]}"#, "config.hooks.pre_stop[1].exec"),
        (#"{"pre_stop":[{"exec":[""]}]}"#, "config.hooks.pre_stop[0].exec"),
        (#"{"pre_stop":[{"exec":["true"],"timeout":"10m"}]}"#, "config.hooks.pre_stop[0].timeout"),
        (#"{"post_start":[{"exec":["true"],"timeout":"0s"}]}"#, "config.hooks.post_start[0].timeout"),
    ])
    func refusals(hooks: String, field: String) throws {
        let config = try Self.decode(#"{"image":"nginx","hooks":\#(hooks)}"#)
        let issue = try #require(throws: ConfigValidation.Issue.self) { try ConfigValidation.normalize(config) }
        #expect(issue.field == field)
    }
}
