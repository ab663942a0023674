import Foundation
import Testing
import TarmacModel

@Suite("ConfigValidation")
struct ConfigValidationTests {
    static func config(_ json: String) throws -> MachineConfig {
        try JSONDecoder().decode(MachineConfig.self, from: Data(json.utf8))
    }

    /// The issue `normalize` throws for `json`, or nil when it accepts it.
    static func issue(_ json: String) throws -> ConfigValidation.Issue? {
        let input = try config(json)
        do {
            _ = try ConfigValidation.normalize(input)
            return nil
        } catch {
            return error
        }
    }

    @Test("a missing config is refused")
    func missingConfig() {
        #expect(throws: ConfigValidation.Issue(field: "config", message: "is required")) {
            try ConfigValidation.normalize(nil)
        }
    }

    @Test("defaults are filled in for a minimal config")
    func defaults() throws {
        let config = try ConfigValidation.normalize(MachineConfig(image: "nginx"))
        #expect(config.image == "nginx")
        #expect(config.guest?.cpus == 1)
        #expect(config.guest?.memoryMB == 256)
        #expect(config.guest?.cpuKind == "shared")
        #expect(config.restart?.policy == "on-failure")
        #expect(config.restartPolicy == .onFailure)
        #expect(config.maxRetries == MachineConfig.defaultMaxRetries)
        #expect(config.stopSignal == .sigint)
        #expect(config.stopTimeout == MachineConfig.defaultStopTimeout)
    }

    @Test("memory defaults to 256 MB per CPU")
    func memoryPerCPU() throws {
        let config = try ConfigValidation.normalize(try Self.config(#"{"image":"nginx","guest":{"cpus":4}}"#))
        #expect(config.guest?.memoryMB == 1024)
    }

    @Test("a valid full config is kept as given")
    func validFullConfig() throws {
        let input = try Self.config("""
            {"image":"registry.example.com/team/web:v1","env":{"PORT":"8080","fly.io_x-y":"1"},
             "guest":{"cpu_kind":"performance","cpus":2,"memory_mb":4096},
             "restart":{"policy":"always","max_retries":3},"stop_config":{"timeout":"30s","signal":"SIGTERM"}}
            """)
        let config = try ConfigValidation.normalize(input)
        #expect(config == input)
    }

    @Test("size presets resolve the guest", arguments: [
        ("shared-cpu-1x", "shared", 1, 256), ("shared-cpu-2x", "shared", 2, 512), ("shared-cpu-8x", "shared", 8, 2048),
        ("performance-1x", "performance", 1, 2048), ("performance-16x", "performance", 16, 32768),
    ] as [(String, String, Int, Int)])
    func sizePresets(size: String, kind: String, cpus: Int, memory: Int) throws {
        let config = try ConfigValidation.normalize(try Self.config(#"{"image":"nginx","size":"\#(size)"}"#))
        #expect(config.guest?.cpuKind == kind)
        #expect(config.guest?.cpus == cpus)
        #expect(config.guest?.memoryMB == memory)
    }

    @Test("explicit guest fields win over the size preset")
    func guestOverridesSize() throws {
        let config = try ConfigValidation.normalize(try Self.config(#"{"image":"nginx","size":"shared-cpu-2x","guest":{"memory_mb":1024}}"#))
        #expect(config.guest?.cpus == 2)
        #expect(config.guest?.memoryMB == 1024)
    }

    struct Refusal: Sendable, CustomTestStringConvertible {
        var json: String
        var field: String
        var testDescription: String { json }
    }

    static let refusals: [Refusal] = [
        Refusal(json: #"{}"#, field: "config.image"),
        Refusal(json: #"{"image":""}"#, field: "config.image"),
        Refusal(json: #"{"image":"Not A Valid Image"}"#, field: "config.image"),
        Refusal(json: #"{"image":"nginx:-bad"}"#, field: "config.image"),
        Refusal(json: #"{"image":"nginx","guest":{"memory_mb":300}}"#, field: "config.guest.memory_mb"),
        Refusal(json: #"{"image":"nginx","guest":{"memory_mb":0}}"#, field: "config.guest.memory_mb"),
        Refusal(json: #"{"image":"nginx","guest":{"memory_mb":-256}}"#, field: "config.guest.memory_mb"),
        Refusal(json: #"{"image":"nginx","guest":{"memory_mb":128}}"#, field: "config.guest.memory_mb"),
        Refusal(json: #"{"image":"nginx","guest":{"cpus":0}}"#, field: "config.guest.cpus"),
        Refusal(json: #"{"image":"nginx","guest":{"cpus":-1}}"#, field: "config.guest.cpus"),
        Refusal(json: #"{"image":"nginx","guest":{"cpus":65}}"#, field: "config.guest.cpus"),
        Refusal(json: #"{"image":"nginx","guest":{"cpu_kind":"gpu"}}"#, field: "config.guest.cpu_kind"),
        Refusal(json: #"{"image":"nginx","size":"shared-cpu-3x"}"#, field: "config.size"),
        Refusal(json: #"{"image":"nginx","size":"huge"}"#, field: "config.size"),
        Refusal(json: #"{"image":"nginx","restart":{"policy":"sometimes"}}"#, field: "config.restart.policy"),
        Refusal(json: #"{"image":"nginx","restart":{"max_retries":-1}}"#, field: "config.restart.max_retries"),
        Refusal(json: #"{"image":"nginx","stop_config":{"timeout":"301s"}}"#, field: "config.stop_config.timeout"),
        Refusal(json: #"{"image":"nginx","stop_config":{"timeout":"-1s"}}"#, field: "config.stop_config.timeout"),
        Refusal(json: #"{"image":"nginx","stop_config":{"timeout":"1h"}}"#, field: "config.stop_config.timeout"),
        Refusal(json: #"{"image":"nginx","env":{"1BAD":"x"}}"#, field: "config.env"),
        Refusal(json: #"{"image":"nginx","env":{"":"x"}}"#, field: "config.env"),
        Refusal(json: #"{"image":"nginx","env":{"HAS SPACE":"x"}}"#, field: "config.env"),
        Refusal(json: #"{"image":"nginx","env":{"A=B":"x"}}"#, field: "config.env"),
        Refusal(json: #"{"image":"nginx","init":{"exec":[]}}"#, field: "config.init.exec"),
        Refusal(json: #"{"image":"nginx","init":{"entrypoint":[]}}"#, field: "config.init.entrypoint"),
    ]

    @Test("invalid configs are refused naming the field", arguments: refusals)
    func refused(_ refusal: Refusal) throws {
        let issue = try #require(try Self.issue(refusal.json))
        #expect(issue.field == refusal.field)
        #expect(!issue.message.isEmpty)
        #expect(issue.description.hasPrefix(refusal.field + ": "))
    }

    @Test("accepted edge values", arguments: [
        #"{"image":"nginx","guest":{"memory_mb":256}}"#,
        #"{"image":"nginx","guest":{"cpus":64,"memory_mb":16384}}"#,
        #"{"image":"nginx","restart":{"policy":"no"}}"#,
        #"{"image":"nginx","restart":{"policy":"always","max_retries":0}}"#,
        #"{"image":"nginx","stop_config":{"timeout":"0s"}}"#,
        #"{"image":"nginx","stop_config":{"timeout":"5m0s"}}"#,
        #"{"image":"nginx","stop_config":{"timeout":300000000000}}"#,
        #"{"image":"nginx","env":{"_X":"1","PATH":"/bin"}}"#,
        #"{"image":"nginx","init":{"cmd":[]}}"#,
    ])
    func accepted(json: String) throws {
        #expect(try Self.issue(json) == nil)
    }

    @Test("restart policy values map to RestartPolicy")
    func restartPolicies() throws {
        for policy in RestartPolicy.allCases {
            let config = try ConfigValidation.normalize(try Self.config(#"{"image":"nginx","restart":{"policy":"\#(policy.rawValue)"}}"#))
            #expect(config.restartPolicy == policy)
        }
    }

    @Test("validateName accepts nil and valid names")
    func validNames() throws {
        try ConfigValidation.validateName(nil)
        try ConfigValidation.validateName("web-1")
        try ConfigValidation.validateName("aged-wind-2649")
    }

    @Test("validateName refuses invalid names naming the field", arguments: ["", "Web", "-web", "web-", "web_1", String(repeating: "a", count: 64)])
    func invalidNames(name: String) {
        do {
            try ConfigValidation.validateName(name)
            Issue.record("expected \"\(name)\" to be refused")
        } catch {
            #expect(error.field == "name")
            #expect(error.message.contains("\"\(name)\""))
        }
    }
}
