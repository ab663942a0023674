import Foundation
import HummingbirdTesting
import Testing
import TarmacAgentProtocol
import TarmacModel

@Suite("API: ps")
struct MachineProcessesTests {
    typealias API = APIHarness

    static func process(_ pid: Int32, rss: Int64) -> ProcessStat {
        ProcessStat(pid: pid, stime: 1_700_000_000_000, rtime: 10, command: "p\(pid)", directory: "/", cpu: 1, rss: rss,
                    listenSockets: pid == 2 ? [.init(proto: "tcp", address: "0.0.0.0:8080")] : [])
    }

    @Test("the host's list in Fly's shape, sorted as asked")
    func sorted() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine(#"{"config":{"image":"web:v1"}}"#)
            api.agent.answerProcesses(.success([Self.process(3, rss: 10), Self.process(1, rss: 30), Self.process(2, rss: 20)]))
            let path = "/v1/apps/web/machines/\(machine.id)/ps"
            let byPID = try await api.request(.get, path)
            #expect(byPID.status == .ok)
            #expect(try byPID.decode([ProcessStat].self).map(\.pid) == [1, 2, 3])
            let raw = try JSONSerialization.jsonObject(with: Data(buffer: byPID.body)) as? [[String: Any]]
            #expect((raw?[1]["listen_sockets"] as? [[String: String]]) == [["proto": "tcp", "address": "0.0.0.0:8080"]])
            let byRSS = try await api.request(.get, path + "?sort_by=rss&order=desc").decode([ProcessStat].self)
            #expect(byRSS.map(\.pid) == [1, 2, 3])
            #expect(try await api.request(.get, path + "?sort_by=rss").decode([ProcessStat].self).map(\.pid) == [3, 2, 1])
        }
    }

    @Test("bad input and states: unknown sort or order 400, unknown machine 404, not started 412, unsupported 501")
    func refusals() async throws {
        try await API.withApp { api in
            let machine = try await api.createMachine(#"{"config":{"image":"web:v1"}}"#)
            let path = "/v1/apps/web/machines/\(machine.id)/ps"
            let badSort = try await api.request(.get, path + "?sort_by=colour")
            #expect(badSort.status == .badRequest)
            #expect(String(buffer: badSort.body).contains("sort_by must be one of"))
            #expect(try await api.request(.get, path + "?order=sideways").status == .badRequest)
            #expect(try await api.request(.get, "/v1/apps/web/machines/00000000000000/ps").status == .notFound)
            api.agent.answerProcesses(.failure(AgentError(.invalidState, "machine is stopped")))
            #expect(try await api.request(.get, path).status == .preconditionFailed)
            api.agent.answerProcesses(.failure(AgentError(.unsupported, "no ps here")))
            #expect(try await api.request(.get, path).status == .notImplemented)
        }
    }
}
