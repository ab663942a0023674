import Foundation
import Testing
import TarmacModel

/// `ConfigValidation.normalize` on `services`, `checks` and `mounts`: each refusal names
/// the field the way the client wrote it.
@Suite("ConfigValidation of services, checks and mounts")
struct ServiceConfigValidationTests {
    struct Refusal: Sendable, CustomTestStringConvertible {
        var section: String
        var field: String
        var mentions: String
        var testDescription: String { section }
    }

    static func issue(_ section: String) throws -> ConfigValidation.Issue? {
        let input = try JSONDecoder().decode(MachineConfig.self, from: Data(#"{"image":"nginx",\#(section)}"#.utf8))
        do {
            _ = try ConfigValidation.normalize(input)
            return nil
        } catch {
            return error
        }
    }

    static let service = #""protocol":"tcp","internal_port":8080"#

    static let refusals: [Refusal] = [
        // services
        Refusal(section: #""services":[{"internal_port":8080}]"#, field: "config.services[0].protocol", mentions: "required"),
        Refusal(section: #""services":[{"protocol":"sctp","internal_port":8080}]"#, field: "config.services[0].protocol", mentions: "\"sctp\""),
        Refusal(section: #""services":[{"protocol":"tcp"}]"#, field: "config.services[0].internal_port", mentions: "required"),
        Refusal(section: #""services":[{"protocol":"tcp","internal_port":0}]"#, field: "config.services[0].internal_port", mentions: "65535"),
        Refusal(section: #""services":[{"protocol":"tcp","internal_port":65536}]"#, field: "config.services[0].internal_port", mentions: "65536"),
        Refusal(section: #""services":[{\#(service)},{"protocol":"udp","internal_port":-1}]"#, field: "config.services[1].internal_port", mentions: "-1"),
        Refusal(section: #""services":[{\#(service),"ports":[{"port":80},{"port":70000}]}]"#, field: "config.services[0].ports[1].port", mentions: "70000"),
        Refusal(section: #""services":[{\#(service),"ports":[{"handlers":["http"]}]}]"#, field: "config.services[0].ports[0].port", mentions: "required"),
        Refusal(section: #""services":[{\#(service),"ports":[{"start_port":0,"end_port":10}]}]"#, field: "config.services[0].ports[0].start_port", mentions: "0"),
        Refusal(section: #""services":[{\#(service),"ports":[{"start_port":20,"end_port":10}]}]"#, field: "config.services[0].ports[0].end_port", mentions: "start_port"),
        Refusal(section: #""services":[{\#(service),"ports":[{"port":80,"handlers":["http",""]}]}]"#, field: "config.services[0].ports[0].handlers[1]", mentions: "empty"),
        Refusal(section: #""services":[{\#(service),"ports":[{"port":80,"http_options":{"idle_timeout":-5}}]}]"#, field: "config.services[0].ports[0].http_options.idle_timeout", mentions: "-5"),
        Refusal(section: #""services":[{\#(service),"concurrency":{"type":"bytes"}}]"#, field: "config.services[0].concurrency.type", mentions: "\"connections\" or \"requests\""),
        Refusal(section: #""services":[{\#(service),"concurrency":{"soft_limit":-1}}]"#, field: "config.services[0].concurrency.soft_limit", mentions: "negative"),
        Refusal(section: #""services":[{\#(service),"concurrency":{"hard_limit":-1}}]"#, field: "config.services[0].concurrency.hard_limit", mentions: "negative"),
        Refusal(section: #""services":[{\#(service),"concurrency":{"soft_limit":30,"hard_limit":25}}]"#, field: "config.services[0].concurrency.soft_limit", mentions: "hard_limit"),
        Refusal(section: #""services":[{\#(service),"min_machines_running":-1}]"#, field: "config.services[0].min_machines_running", mentions: "negative"),
        Refusal(section: #""services":[{\#(service),"checks":[{"interval":"15s"}]}]"#, field: "config.services[0].checks[0].type", mentions: "\"tcp\" or \"http\""),
        Refusal(section: #""services":[{\#(service),"checks":[{"type":"tcp"},{"type":"http","port":0}]}]"#, field: "config.services[0].checks[1].port", mentions: "0"),
        // top-level checks
        Refusal(section: #""checks":{"alive":{"port":8080}}"#, field: "config.checks.alive.type", mentions: "required"),
        Refusal(section: #""checks":{"alive":{"type":"grpc"}}"#, field: "config.checks.alive.type", mentions: "\"grpc\""),
        Refusal(section: #""checks":{"alive":{"type":"tcp","port":99999}}"#, field: "config.checks.alive.port", mentions: "99999"),
        Refusal(section: #""checks":{"alive":{"type":"tcp","interval":15}}"#, field: "config.checks.alive.interval", mentions: "nanoseconds"),
        Refusal(section: #""checks":{"alive":{"type":"tcp","interval":"500ms"}}"#, field: "config.checks.alive.interval", mentions: "at least 1s"),
        Refusal(section: #""checks":{"alive":{"type":"tcp","timeout":"0s"}}"#, field: "config.checks.alive.timeout", mentions: "positive"),
        Refusal(section: #""checks":{"alive":{"type":"tcp","grace_period":"-1s"}}"#, field: "config.checks.alive.grace_period", mentions: "negative"),
        Refusal(section: #""checks":{"web":{"type":"http","protocol":"ftp"}}"#, field: "config.checks.web.protocol", mentions: "\"ftp\""),
        Refusal(section: #""checks":{"web":{"type":"http","method":"GET /x"}}"#, field: "config.checks.web.method", mentions: "GET /x"),
        Refusal(section: #""checks":{"web":{"type":"http","kind":"liveness"}}"#, field: "config.checks.web.kind", mentions: "\"informational\" or \"readiness\""),
        Refusal(section: #""checks":{"web":{"type":"http","headers":{"Bad Name":"x"}}}"#, field: "config.checks.web.headers", mentions: "Bad Name"),
        Refusal(section: #""checks":{"web":{"type":"http","headers":[{"values":["x"]}]}}"#, field: "config.checks.web.headers", mentions: "header name"),
        Refusal(section: #""checks":{"web":{"type":"http","headers":{"X":"a\r\nEvil: 1"}}}"#, field: "config.checks.web.headers", mentions: "line breaks"),
        Refusal(section: #""checks":{"":{"type":"tcp"}}"#, field: "config.checks", mentions: "empty"),
        Refusal(section: #""checks":{"alive":{"type":"tcp"}}"#, field: "config.checks.alive.port", mentions: "internal_port"),
        Refusal(section: #""checks":{"web":{"type":"http","port":80,"path":"health"}}"#, field: "config.checks.web.path", mentions: "start with \"/\""),
        Refusal(section: #""checks":{"web":{"type":"http","port":80,"restart_after":"10ms"}}"#, field: "config.checks.web.restart_after", mentions: "at least 1s"),
        Refusal(section: #""services":[{\#(service),"checks":[{"type":"http","restart_after":0}]}]"#, field: "config.services[0].checks[0].restart_after", mentions: "at least 1s"),
        // mounts
        Refusal(section: #""mounts":[{"volume":"vol_1"}]"#, field: "config.mounts[0].path", mentions: "required"),
        Refusal(section: #""mounts":[{"path":""}]"#, field: "config.mounts[0].path", mentions: "required"),
        Refusal(section: #""mounts":[{"path":"data"}]"#, field: "config.mounts[0].path", mentions: "absolute"),
        Refusal(section: #""mounts":[{"path":"/"}]"#, field: "config.mounts[0].path", mentions: "\"/\""),
        Refusal(section: #""mounts":[{"path":"//"}]"#, field: "config.mounts[0].path", mentions: "\"/\""),
        Refusal(section: #""mounts":[{"path":"/data/../etc"}]"#, field: "config.mounts[0].path", mentions: ".."),
        Refusal(section: #""mounts":[{"path":"/data"},{"path":"/data/"}]"#, field: "config.mounts[1].path", mentions: "config.mounts[0]"),
        Refusal(section: #""mounts":[{"path":"/data","volume":""}]"#, field: "config.mounts[0].volume", mentions: "empty"),
        Refusal(section: #""mounts":[{"path":"/data","size_gb":-1}]"#, field: "config.mounts[0].size_gb", mentions: "negative"),
        Refusal(section: #""mounts":[{"path":"/data","extend_threshold_percent":101}]"#, field: "config.mounts[0].extend_threshold_percent", mentions: "100"),
        Refusal(section: #""mounts":[{"path":"/data","size_gb":10,"size_gb_limit":5}]"#, field: "config.mounts[0].size_gb_limit", mentions: "size_gb"),
    ]

    @Test("invalid services, checks and mounts are refused naming the field", arguments: refusals)
    func refused(_ refusal: Refusal) throws {
        let issue = try #require(try Self.issue(refusal.section))
        #expect(issue.field == refusal.field)
        #expect(issue.message.contains(refusal.mentions), "message: \(issue.message)")
        #expect(issue.description.hasPrefix(refusal.field + ": "))
    }

    @Test("accepted edge values", arguments: [
        #""services":[]"#,
        #""services":[{"protocol":"tcp","internal_port":1},{"protocol":"udp","internal_port":65535}]"#,
        #""services":[{"protocol":"tcp","internal_port":8080,"ports":[{"start_port":1,"end_port":65535}],"concurrency":{"type":"requests","soft_limit":0,"hard_limit":0}}]"#,
        #""services":[{"protocol":"tcp","internal_port":8080,"ports":[{"port":443,"handlers":[]}],"concurrency":{"soft_limit":25,"hard_limit":25}}]"#,
        #""services":[{"protocol":"tcp","internal_port":8080,"ports":[{"start_port":8000}]}]"#,
        #""services":[{"protocol":"tcp","internal_port":8080,"autostop":"suspend","autostart":false,"min_machines_running":0,"force_instance_key":null}]"#,
        #""checks":{}"#,
        #""checks":{"a":{"type":"tcp","port":80}}"#,
        #""services":[{\#(service)}],"checks":{"a":{"type":"tcp","restart_after":"30s"}}"#,
        #""checks":{"a":{"type":"http","port":80,"interval":"1s","timeout":"1ms","grace_period":"0s","method":"get","protocol":"https","kind":"informational","headers":{"X-Token":["a","b"]}}}"#,
        #""checks":{"a.b-c_d":{"type":"tcp","port":80,"interval":1000000000}}"#,
        #""mounts":[]"#,
        #""mounts":[{"path":"/data"}]"#,
        #""mounts":[{"volume":"vol_1","path":"/var/lib/data/","size_gb":0,"extend_threshold_percent":0,"size_gb_limit":0}]"#,
        #""mounts":[{"path":"/a"},{"path":"/a/b"}]"#,
    ])
    func accepted(section: String) throws {
        #expect(try Self.issue(section) == nil)
    }

    @Test("normalize keeps services, checks and mounts as given")
    func keptAsGiven() throws {
        let input = try JSONDecoder().decode(MachineConfig.self, from: Data(ServiceConfigCodingTests.flyctlServices.utf8))
        let config = try ConfigValidation.normalize(input)
        #expect(config.services == input.services)
        #expect(config.checks == nil)
        #expect(config.mounts == nil)
    }

    @Test("the validators can be used on their own")
    func standalone() throws {
        try ConfigValidation.validate(services: [MachineService(protocol: .tcp, internalPort: 80)])
        try ConfigValidation.validate(checks: ["a": MachineCheck(type: .http, port: 80)])
        try ConfigValidation.validate(mounts: [MachineMount(volume: "vol_1", path: "/data")])
        #expect(throws: ConfigValidation.Issue(field: "config.services[0].internal_port", message: "is required")) {
            try ConfigValidation.validate(services: [MachineService(protocol: .tcp)])
        }
    }
}
