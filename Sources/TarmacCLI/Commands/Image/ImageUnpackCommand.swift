import ArgumentParser
import Foundation
import TarmacImage

/// `tarmac image unpack REF`: unpack a stored image's layers into the layer cache.
struct ImageUnpackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unpack",
        abstract: "Unpack a stored image's layers into the store's layer cache (needs root).",
        discussion: """
            Machines unpack their image's layers on first start (layers are shared by every \
            image that has them, and unpacked once). This does it ahead of time, so the first \
            start is as fast as later ones. Prints the unpacked layer directories, lowest first \
            (the overlayfs lower dirs a machine's root file system is mounted from).
            """
    )

    @Argument(help: ArgumentHelp("Stored image: NAME:TAG, NAME@sha256:…, or a digest.", valueName: "image"))
    var image: String

    @OptionGroup var options: ImageStoreOptions

    func run() async throws {
        try await options.withStore { store in
            let record = try store.resolve(image)
            let directories = try await store.layerDirectories(for: record)
            if options.json { return Console.line(ImageStoreOptions.json(directories)) }
            for directory in directories { Console.line(directory) }
        }
    }
}
