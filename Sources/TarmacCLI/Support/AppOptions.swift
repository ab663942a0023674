import ArgumentParser
import Foundation

/// `-a/--app`, falling back to `TARMAC_APP`.
struct AppOptions: ParsableArguments {
    @Option(name: [.short, .customLong("app")], help: ArgumentHelp("App name (env TARMAC_APP).", valueName: "app"))
    var app: String?

    func resolvedApp(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        try ClientSettings.resolveApp(flag: app, environment: environment)
    }
}
