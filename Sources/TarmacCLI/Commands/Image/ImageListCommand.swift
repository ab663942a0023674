import ArgumentParser
import Foundation
import TarmacImage
import TarmacModel

/// `tarmac image ls`: the images in the local store.
struct ImageListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List images in the local store.",
        discussion: "--json prints the full records (layers, config, digests).",
        aliases: ["list"]
    )

    @OptionGroup var options: ImageStoreOptions

    func run() async throws {
        try await options.withStore { store in
            let records = try store.list()
            if options.json { return Console.line(ImageStoreOptions.json(records)) }
            guard !records.isEmpty else {
                return Console.line("No images in \(store.root.path). Import one with `tarmac image import DIR NAME:TAG`.")
            }
            Console.line(Self.table(records, now: Date()))
        }
    }

    static let headers = ["NAME", "TAG", "DIGEST", "SIZE", "CREATED"]

    static func table(_ records: [ImageRecord], now: Date) -> String {
        TableRenderer.render(headers: headers, rows: records.map { row($0, now: now) })
    }

    static func row(_ record: ImageRecord, now: Date) -> [String] {
        let reference = record.parsedReference
        var name = reference?.familiar ?? record.reference
        if let tag = reference?.tag, name.hasSuffix(":" + tag) { name = String(name.dropLast(tag.count + 1)) }
        let hex = record.digest.split(separator: ":").last.map(String.init) ?? record.digest
        return [
            name, reference?.tag ?? "", String(hex.prefix(12)), ByteCount.format(record.size),
            TimeFormatting.relative(record.created, now: now),
        ]
    }
}
