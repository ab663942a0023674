#if canImport(Glibc)
import Glibc
#endif

/// How the container's init ended, as the shim records it in the exit file. The file is the
/// JSON that TarmacRuntime's `ExitFile.read` decodes into `ExitStatus` (sorted keys,
/// `exitedAt` in milliseconds since 1970, `error` only when set); keep the two in step.
public struct ShimExit: Sendable, Hashable {
    public var exitCode: Int
    public var signal: Int
    public var oomKilled: Bool
    /// Milliseconds since 1970 (CLOCK_REALTIME).
    public var exitedAtMilliseconds: Int64
    /// Set when the shim, not the process, failed (it lost track of the init).
    public var error: String?

    public init(exitCode: Int, signal: Int, oomKilled: Bool, exitedAtMilliseconds: Int64 = ShimExit.now(), error: String? = nil) {
        self.exitCode = exitCode
        self.signal = signal
        self.oomKilled = oomKilled
        self.exitedAtMilliseconds = exitedAtMilliseconds
        self.error = error
    }

    public static func now() -> Int64 {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Int64(time.tv_sec) * 1000 + Int64(time.tv_nsec) / 1_000_000
    }

    /// The exit file's contents.
    public var json: String {
        var members: [String] = []
        if let error { members.append("\"error\":" + Self.quoted(error)) }
        members.append("\"exitCode\":\(exitCode)")
        members.append("\"exitedAt\":\(exitedAtMilliseconds)")
        members.append("\"oomKilled\":\(oomKilled)")
        members.append("\"signal\":\(signal)")
        return "{" + members.joined(separator: ",") + "}"
    }

    /// Writes the exit file atomically (temporary file + rename); the error text on failure.
    public func write(to path: String) -> String? {
        ShimFiles.replace(path, with: Array(json.utf8))
    }

    /// `text` as a JSON string literal.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
