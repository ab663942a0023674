import ArgumentParser
import Foundation
import TarmacImage
import TarmacModel

/// `tarmac image push LOCAL REMOTE`: upload a stored image to a registry.
struct ImagePushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Push an image from the local store to a registry.",
        discussion: """
            LOCAL names a stored image (web:v1, or a digest); REMOTE is REGISTRY/REPO[:TAG], e.g. \
            127.0.0.1:5000/web:v1. Blobs the registry already has are skipped, blobs of an image \
            pulled from another repository of the same registry are mounted from there, small \
            blobs are uploaded in one request and large ones in 8 MiB chunks; then the manifest is \
            stored under the tag.
            """
    )

    @Argument(help: ArgumentHelp("Stored image to push, e.g. web:v1.", valueName: "local"))
    var local: String

    @Argument(help: ArgumentHelp("Where to push it, e.g. 127.0.0.1:5000/web:v1.", valueName: "remote"))
    var remote: String

    @OptionGroup var registry: RegistryAccessOptions
    @OptionGroup var options: ImageStoreOptions

    struct Result: Encodable {
        var local: String
        var remote: String
        var digest: String
    }

    func run() async throws {
        try await options.withStore { store in
            try await registry.withClient(dataDirectory: options.dataDirectory) { client in
                try await transfer(store, client)
            }
        }
    }

    private func transfer(_ store: ImageStore, _ client: RegistryClient) async throws {
        let printer = TransferProgressPrinter()
        let start = ContinuousClock.now
        let digest = try await store.push(local, to: remote, using: client, progress: printer.handler)
        printer.finish("pushed", since: start)
        if options.json { return Console.line(ImageStoreOptions.json(Result(local: local, remote: remote, digest: digest))) }
        Console.line("pushed \(remote) \(digest)")
    }
}
