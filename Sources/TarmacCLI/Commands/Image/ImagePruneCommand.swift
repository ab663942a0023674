import ArgumentParser
import Foundation
import TarmacImage

/// `tarmac image prune`: delete content no image uses.
struct ImagePruneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prune",
        abstract: "Delete blobs and unpacked layers no image uses.",
        discussion: """
            Deletes blobs and unpacked layers no stored image references, and staging leftovers \
            (interrupted imports and pulls) older than a day. Layers mounted by a running machine \
            are kept until they are free.
            """
    )

    @OptionGroup var options: ImageStoreOptions

    func run() async throws {
        try await options.withStore { store in
            let result = try await store.prune()
            if options.json { return Console.line(ImageStoreOptions.json(result)) }
            Console.line("deleted \(result.deletedItems) items, reclaimed \(ByteCount.format(result.reclaimedBlobBytes)) of blobs")
        }
    }
}
