import ArgumentParser
import Foundation
import Logging
import TarmacImage

/// Options of commands that talk to a registry.
struct RegistryAccessOptions: ParsableArguments {
    @Option(
        name: .customLong("insecure-registry"),
        help: ArgumentHelp("Reach this registry over plain HTTP (loopback registries always are); repeatable.", valueName: "host:port")
    )
    var insecureRegistries: [String] = []

    /// Runs `body` with a client using the logins in `<data-dir>/registries.json`, shut down afterwards.
    func withClient<T>(dataDirectory: URL, _ body: (RegistryClient) async throws -> T) async throws -> T {
        var logger = Logger(label: "tarmac.registry")
        logger.logLevel = .warning
        let configuration = RegistryClient.Configuration(
            insecureRegistries: Set(insecureRegistries),
            credentialsFile: RegistryCredentials.fileURL(dataDirectory: dataDirectory)
        )
        return try await RegistryClient.with(configuration: configuration, logger: logger, body)
    }
}

extension ImageStoreOptions {
    /// The data directory (the parent of `images/`).
    var dataDirectory: URL { storeRoot().deletingLastPathComponent() }
}
