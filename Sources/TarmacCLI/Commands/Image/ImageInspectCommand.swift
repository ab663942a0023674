import ArgumentParser
import Foundation
import TarmacImage
import TarmacModel

/// `tarmac image inspect REF`: one stored image in detail.
struct ImageInspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a stored image: digest, config, layers and its image_ref.",
        discussion: "--json prints the stored record with the image_ref machines running it report."
    )

    @Argument(help: ArgumentHelp("Stored image: NAME:TAG, NAME@sha256:…, or a digest.", valueName: "image"))
    var image: String

    @OptionGroup var options: ImageStoreOptions

    struct Output: Encodable {
        var record: ImageRecord
        var imageRef: ImageRef

        enum CodingKeys: String, CodingKey {
            case record
            case imageRef = "image_ref"
        }
    }

    func run() async throws {
        try await options.withStore { store in
            let record = try store.resolve(image)
            if options.json { return Console.line(ImageStoreOptions.json(Output(record: record, imageRef: record.imageRef()))) }
            Console.line(Self.render(record))
        }
    }

    static func render(_ record: ImageRecord) -> String {
        let ref = record.imageRef()
        var lines = [
            "Name:        \(record.parsedReference?.familiar ?? record.reference)",
            "Reference:   \(record.reference)",
            "Registry:    \(ref.registry)",
            "Repository:  \(ref.repository)",
            "Tag:         \(ref.tag)",
            "Digest:      \(record.digest)",
            "Media type:  \(record.mediaType)",
            "Config:      \(record.configDigest)",
            "Size:        \(ByteCount.format(record.size))",
            "Created:     \(record.created.formatted(.iso8601))",
        ]
        let config = record.config
        if let entrypoint = config.entrypoint { lines.append("Entrypoint:  \(entrypoint.joined(separator: " "))") }
        if let cmd = config.cmd { lines.append("Cmd:         \(cmd.joined(separator: " "))") }
        if let workingDir = config.workingDir { lines.append("WorkingDir:  \(workingDir)") }
        if let user = config.user { lines.append("User:        \(user)") }
        for env in config.env ?? [] { lines.append("Env:         \(env)") }
        for (key, value) in (config.labels ?? [:]).sorted(by: { $0.key < $1.key }) { lines.append("Label:       \(key)=\(value)") }
        lines.append("Layers:")
        for (index, layer) in record.layers.enumerated() {
            lines.append("  \(index + 1). \(layer.digest)  \(ByteCount.format(layer.size))  \(layer.mediaType)")
        }
        return lines.joined(separator: "\n")
    }
}
