/// POSIX signals by the names the Machines API uses (`SIGTERM`) and by number (`9`),
/// since flyctl's `machine kill` sends integers.
public struct MachineSignal: Sendable, Hashable, Codable, CustomStringConvertible {
    public var number: Int32

    public init(number: Int32) { self.number = number }

    public init?(name: String) {
        let upper = name.uppercased()
        let full = upper.hasPrefix("SIG") ? upper : "SIG" + upper
        if let number = Self.numbers[full] {
            self.number = number
        } else if let number = Int32(name), Self.names[number] != nil {
            self.number = number
        } else {
            return nil
        }
    }

    public var name: String { Self.names[number] ?? "SIG\(number)" }
    public var description: String { name }

    public static let sigint = MachineSignal(number: 2)
    public static let sigkill = MachineSignal(number: 9)
    public static let sigterm = MachineSignal(number: 15)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int32.self) {
            guard Self.names[number] != nil else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "unknown signal \(number)")
            }
            self.number = number
        } else {
            let text = try container.decode(String.self)
            guard let signal = MachineSignal(name: text) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "unknown signal \"\(text)\"")
            }
            self = signal
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }

    static let names: [Int32: String] = [
        1: "SIGHUP", 2: "SIGINT", 3: "SIGQUIT", 4: "SIGILL", 5: "SIGTRAP", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE",
        9: "SIGKILL", 10: "SIGUSR1", 11: "SIGSEGV", 12: "SIGUSR2", 13: "SIGPIPE", 14: "SIGALRM", 15: "SIGTERM",
        17: "SIGCHLD", 18: "SIGCONT", 19: "SIGSTOP", 20: "SIGTSTP", 28: "SIGWINCH",
    ]
    static let numbers: [String: Int32] = Dictionary(uniqueKeysWithValues: names.map { ($1, $0) })
}
