import ArgumentParser
import Foundation
import TarmacImage
import TarmacModel

/// `tarmac image rm NAME:TAG…`: remove names and the content only they used.
struct ImageRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm",
        abstract: "Remove images from the local store.",
        discussion: """
            Removes each name and deletes the blobs and unpacked layers no other name uses \
            (layers a running machine has mounted are kept until they are free). An image can \
            also be named by digest (sha256:…, at least 12 hex digits) when one name uses it.
            """,
        aliases: ["remove", "rmi"]
    )

    @Argument(help: ArgumentHelp("Images to remove: NAME:TAG, NAME@sha256:…, or a digest.", valueName: "image"))
    var images: [String]

    @OptionGroup var options: ImageStoreOptions

    func validate() throws {
        guard !images.isEmpty else { throw ValidationError("name at least one image to remove, e.g. tarmac image rm web:v1") }
    }

    func run() async throws {
        var removed: [ImageRecord] = []
        var failures: [ImageError] = []
        try await options.withStore { store in
            for image in images {
                do {
                    let record = try store.remove(image)
                    removed.append(record)
                    if !options.json {
                        Console.line("removed \(record.parsedReference?.familiar ?? record.reference) \(record.digest)")
                    }
                } catch let error as ImageError {
                    failures.append(error)
                }
            }
            if options.json { Console.line(ImageStoreOptions.json(removed)) }
        }
        guard failures.isEmpty else {
            for failure in failures.dropLast() { _ = ImageStoreOptions.cliError(failure).report() }
            if let last = failures.last { throw ImageStoreOptions.cliError(last).report() }
            return
        }
    }
}
