import ArgumentParser
import Foundation

/// `-a/--app`, falling back to `TARMAC_APP`.
struct AppOptions: ParsableArguments {
    @Option(name: [.short, .customLong("app")], help: ArgumentHelp("App name (env TARMAC_APP).", valueName: "app"))
    var app: String?

    /// Fails during parsing, so the usage shown is the command's own.
    func validate() throws {
        _ = try resolvedApp()
    }

    func resolvedApp(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        try ClientSettings.resolveApp(flag: app, environment: environment)
    }
}
