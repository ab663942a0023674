import ArgumentParser
import Foundation
import TarmacImage
import TarmacModel

/// `tarmac image pull REF`: fetch an image from its registry into the local store.
struct ImagePullCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Pull an image from a registry into the local image store.",
        discussion: """
            REF is normalised as Docker does: nginx is docker.io/library/nginx:latest, served by \
            registry-1.docker.io; 127.0.0.1:5000/app:v1 names a local registry; @sha256:… pins a \
            digest. Registries on loopback are reached over HTTP, others over HTTPS unless listed \
            with --insecure-registry. Logins come from `tarmac registry login`.

            For a multi-platform image the linux/amd64 one is pulled. Every blob is verified against \
            its digest; layers already in the store are not downloaded again, and an interrupted \
            pull resumes where it stopped when run again. Pulling refreshes a tag on purpose.

            Progress goes to stderr; the last line on stdout names the image and its digest.
            """
    )

    @Argument(help: ArgumentHelp("Image to pull, e.g. 127.0.0.1:5000/app:v1 or nginx:1.27.", valueName: "ref"))
    var reference: String

    @OptionGroup var registry: RegistryAccessOptions
    @OptionGroup var options: ImageStoreOptions

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
        let record = try await store.pull(reference, using: client, progress: printer.handler)
        printer.finish("pulled", since: start)
        if options.json { return Console.line(ImageStoreOptions.json(record)) }
        Console.line("pulled \(record.parsedReference?.familiar ?? record.reference) \(record.digest)")
    }
}
