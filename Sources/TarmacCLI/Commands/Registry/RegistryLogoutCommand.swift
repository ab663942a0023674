import ArgumentParser
import Foundation
import TarmacImage

/// `tarmac registry logout HOST`.
struct RegistryLogoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logout",
        abstract: "Forget the stored login for a registry."
    )

    @Argument(help: ArgumentHelp("Registry host, e.g. 127.0.0.1:5000.", valueName: "host"))
    var host: String

    @OptionGroup var options: ImageStoreOptions

    func run() async throws {
        let key = RegistryCredentials.key(for: host)
        let file = RegistryCredentials.fileURL(dataDirectory: options.dataDirectory)
        var removed = false
        try await options.withStore { _ in
            var credentials = try RegistryCredentials.read(file)
            removed = credentials.auths.removeValue(forKey: key) != nil
            if removed { try credentials.write(file) }
        }
        if options.json { return Console.line(ImageStoreOptions.json(["registry": key, "removed": removed ? "true" : "false"])) }
        Console.line(removed ? "logged out of \(key)" : "not logged in to \(key)")
    }
}
