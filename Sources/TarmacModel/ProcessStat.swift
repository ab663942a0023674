/// One process of a machine, as `GET /v1/apps/{app}/machines/{id}/ps` shows it (the Fly
/// `ProcessStat` shape). Times are milliseconds: `stime` when the process started (Unix
/// time), `rtime` how long it has run, `cpu` the CPU time it used (user + system); `rss` is
/// resident memory in bytes; `pid` is the process's pid inside the machine.
public struct ProcessStat: Sendable, Hashable, Codable {
    public struct ListenSocket: Sendable, Hashable, Codable {
        /// `tcp` or `udp`.
        public var proto: String
        /// `0.0.0.0:8080`, `[::]:53`.
        public var address: String

        public init(proto: String, address: String) {
            self.proto = proto
            self.address = address
        }
    }

    public var pid: Int32
    public var stime: Int64
    public var rtime: Int64
    public var command: String
    public var directory: String
    public var cpu: Int64
    public var rss: Int64
    public var listenSockets: [ListenSocket]

    public init(pid: Int32, stime: Int64, rtime: Int64, command: String, directory: String, cpu: Int64, rss: Int64, listenSockets: [ListenSocket]) {
        self.pid = pid
        self.stime = stime
        self.rtime = rtime
        self.command = command
        self.directory = directory
        self.cpu = cpu
        self.rss = rss
        self.listenSockets = listenSockets
    }

    enum CodingKeys: String, CodingKey {
        case pid, stime, rtime, command, directory, cpu, rss
        case listenSockets = "listen_sockets"
    }

    /// The orders `ps` accepts (`sort_by`).
    public enum SortKey: String, Sendable, CaseIterable {
        case pid, stime, rtime, command, directory, cpu, rss
    }

    /// Sorts by `key`, ascending unless `descending`; ties by pid.
    public static func sorted(_ list: [ProcessStat], by key: SortKey, descending: Bool) -> [ProcessStat] {
        list.sorted { lhs, rhs in
            let order: Bool? = switch key {
            case .pid: lhs.pid == rhs.pid ? nil : lhs.pid < rhs.pid
            case .stime: lhs.stime == rhs.stime ? nil : lhs.stime < rhs.stime
            case .rtime: lhs.rtime == rhs.rtime ? nil : lhs.rtime < rhs.rtime
            case .command: lhs.command == rhs.command ? nil : lhs.command < rhs.command
            case .directory: lhs.directory == rhs.directory ? nil : lhs.directory < rhs.directory
            case .cpu: lhs.cpu == rhs.cpu ? nil : lhs.cpu < rhs.cpu
            case .rss: lhs.rss == rhs.rss ? nil : lhs.rss < rhs.rss
            }
            guard let order else { return lhs.pid < rhs.pid }
            return descending ? !order : order
        }
    }
}
