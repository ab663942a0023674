import Foundation

/// The admin token: `TARMAC_API_TOKEN` when set, else generated once into a 0600 file.
enum AdminToken {
    struct Loaded {
        var token: String
        var generated: Bool
        var fromEnvironment: Bool

        /// The start-up banner's line about the token.
        func describe(file: String, label: String = "token", variable: String = "TARMAC_API_TOKEN") -> String {
            let name = (label + ":").padding(toLength: max(11, label.count + 2), withPad: " ", startingAt: 0)
            if fromEnvironment { return "  \(name)from \(variable)" }
            return "  \(name)\(token)\(generated ? "  (new; saved to \(file))" : "  (from \(file))")"
        }
    }

    static func load(file: String, variable: String = "TARMAC_API_TOKEN", prefix: String = "tm_", environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Loaded {
        if let token = environment[variable], !token.isEmpty {
            return Loaded(token: token, generated: false, fromEnvironment: true)
        }
        if let existing = try? String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines), !existing.isEmpty {
            return Loaded(token: existing, generated: false, fromEnvironment: false)
        }
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        let token = prefix + String((0..<40).map { _ in alphabet[Int(generator.next(upperBound: UInt(alphabet.count)))] })
        let created = FileManager.default.createFile(atPath: file, contents: Data((token + "\n").utf8), attributes: [.posixPermissions: 0o600])
        guard created else { throw DevError("could not write the token to \(file): check that the data directory is writable") }
        return Loaded(token: token, generated: true, fromEnvironment: false)
    }
}
