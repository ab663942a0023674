import TarmacAgentProtocol
import TarmacModel
import TarmacStore

extension Control {
    /// `GET …/ps`: the machine's processes from its host, sorted by `sortBy` (default pid)
    /// in `order` (`asc`, the default, or `desc`).
    public func processes(app: String, id: String, sortBy: String?, order: String?) async throws -> [ProcessStat] {
        let key: ProcessStat.SortKey
        if let sortBy, !sortBy.isEmpty {
            guard let parsed = ProcessStat.SortKey(rawValue: sortBy.lowercased()) else {
                let known = ProcessStat.SortKey.allCases.map(\.rawValue).joined(separator: ", ")
                throw ControlError(.badRequest, "invalid_argument: sort_by must be one of \(known), got \"\(sortBy)\"")
            }
            key = parsed
        } else {
            key = .pid
        }
        let descending: Bool
        switch order?.lowercased() {
        case nil, "", "asc": descending = false
        case "desc": descending = true
        case let other?: throw ControlError(.badRequest, "invalid_argument: order must be asc or desc, got \"\(other)\"")
        }
        let record = try await machineRecord(app: app, id: id)
        if record.destroyedAt != nil || record.state == .destroyed {
            throw ControlError(.preconditionFailed, "failed_precondition: machine \(id) is destroyed")
        }
        let list: [ProcessStat]
        do {
            list = try await host(id: record.hostID).api.processes(record.id)
        } catch let error as AgentError where error.kind == .unsupported {
            throw ControlError(.notImplemented, error.message)
        } catch {
            throw Self.mapAgentError(error)
        }
        return ProcessStat.sorted(list, by: key, descending: descending)
    }
}
