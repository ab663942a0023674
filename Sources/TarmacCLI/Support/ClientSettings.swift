import Foundation
import ArgumentParser
import TarmacClient

/// Resolution of the global settings from flags, environment and the local data dir.
/// Pure: the environment and file reading are passed in.
enum ClientSettings {
    struct Resolved: Equatable {
        var baseURL: String
        var token: String?
    }

    /// `--api` > `TARMAC_API_URL` > default; `--token` > `TARMAC_API_TOKEN` >
    /// `<data dir>/admin-token`, where the data dir is `TARMAC_DATA_DIR` or `~/.tarmac`.
    static func resolve(
        apiFlag: String?, tokenFlag: String?, environment: [String: String], readFile: (String) -> String?
    ) -> Resolved {
        let baseURL = nonEmpty(apiFlag) ?? nonEmpty(environment["TARMAC_API_URL"]) ?? TarmacClient.Configuration.defaultBaseURL
        var token = nonEmpty(tokenFlag) ?? nonEmpty(environment["TARMAC_API_TOKEN"])
        if token == nil, let directory = dataDirectory(environment: environment) {
            token = readFile(directory + "/admin-token").flatMap { nonEmpty($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }
        return Resolved(baseURL: baseURL, token: token)
    }

    /// `TARMAC_DATA_DIR`, else `$HOME/.tarmac`; nil when neither is known.
    static func dataDirectory(environment: [String: String]) -> String? {
        if let directory = nonEmpty(environment["TARMAC_DATA_DIR"]) { return directory }
        guard let home = nonEmpty(environment["HOME"]) else { return nil }
        return (home.hasSuffix("/") ? String(home.dropLast()) : home) + "/.tarmac"
    }

    /// `-a/--app` > `TARMAC_APP`, or a usage error saying how to give one.
    static func resolveApp(flag: String?, environment: [String: String]) throws -> String {
        if let app = nonEmpty(flag) ?? nonEmpty(environment["TARMAC_APP"]) { return app }
        throw ValidationError("no app given: pass -a/--app APP or set TARMAC_APP")
    }

    static func nonEmpty(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value
    }
}
