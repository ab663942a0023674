import ArgumentParser
import Foundation
import TarmacImage
import TarmacModel

/// `tarmac image import DIR NAME:TAG` and `tarmac image import --oci-layout PATH[:TAG] [NAME:TAG]`.
struct ImageImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import a directory or an OCI image layout into the local image store.",
        usage: """
            tarmac image import DIR NAME:TAG [--entrypoint CMD]… [--cmd CMD]… [--env K=V]… [--workdir DIR] [--user U] [--label K=V]…
            tarmac image import --oci-layout PATH[:TAG] [NAME:TAG]
            """,
        discussion: """
            DIR becomes a single layer holding the directory's files as they are on disk (owners, \
            modes, symlinks and hard links kept; mtimes zeroed so the same tree always gives the same \
            digest). Import as root to keep file owners.

            --entrypoint and --cmd: each value is split into words like a shell does (quotes and \
            backslashes work, nothing is expanded), and repeated flags append words. So \
            --cmd "nginx -g 'daemon off;'" and --cmd nginx --cmd -g --cmd "'daemon off;'" give the same \
            three arguments. A value starting with [ is a JSON array taken word for word: \
            --cmd '["sh", "-c", "echo $HOME"]'.

            --oci-layout imports from an OCI image layout directory (e.g. from `skopeo copy \
            docker://busybox oci:DIR:latest`); :TAG picks the image annotated with that name when the \
            layout holds several, and for a multi-platform image the linux/amd64 one is taken. NAME:TAG \
            defaults to the layout's own name for the image when that is a full reference.

            Progress goes to stderr; the last line on stdout names the image and its digest.
            """
    )

    @Argument(help: ArgumentHelp("Directory holding the image's root file system.", valueName: "DIR"))
    var source: String?

    @Argument(help: ArgumentHelp("Name to store the image under, e.g. web:v1 (tag defaults to latest).", valueName: "NAME:TAG"))
    var name: String?

    @Option(name: .customLong("oci-layout"), help: ArgumentHelp("Import from an OCI image layout; :TAG selects an image in it.", valueName: "PATH[:TAG]"))
    var ociLayout: String?

    @Option(parsing: .unconditionalSingleValue, help: ArgumentHelp("Entrypoint, split like a shell does; repeatable (words append).", valueName: "command"))
    var entrypoint: [String] = []

    @Option(parsing: .unconditionalSingleValue, help: ArgumentHelp("Default command, split like a shell does; repeatable (words append).", valueName: "command"))
    var cmd: [String] = []

    @Option(name: [.short, .customLong("env")], help: ArgumentHelp("Environment variable; repeatable.", valueName: "KEY=VALUE"))
    var env: [String] = []

    @Option(help: ArgumentHelp("Working directory (absolute path).", valueName: "dir"))
    var workdir: String?

    @Option(help: ArgumentHelp("User to run as: name, uid, or uid:gid.", valueName: "user"))
    var user: String?

    @Option(help: ArgumentHelp("Image label; repeatable.", valueName: "KEY=VALUE"))
    var label: [String] = []

    @OptionGroup var options: ImageStoreOptions

    /// What the arguments ask for.
    enum Plan: Equatable {
        case directory(path: String, name: String, config: ImageConfig)
        case ociLayout(path: String, tag: String?, name: String?)
    }

    func validate() throws {
        _ = try plan()
    }

    func plan(fileExists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }) throws -> Plan {
        if let ociLayout {
            guard name == nil else {
                throw ValidationError("with --oci-layout give at most one argument, the NAME:TAG to store the image under")
            }
            let configFlags = [
                ("--entrypoint", !entrypoint.isEmpty), ("--cmd", !cmd.isEmpty), ("--env", !env.isEmpty),
                ("--workdir", workdir != nil), ("--user", user != nil), ("--label", !label.isEmpty),
            ].filter(\.1).map(\.0)
            guard configFlags.isEmpty else {
                throw ValidationError("\(configFlags.joined(separator: ", ")) cannot be combined with --oci-layout: the image's config comes from the layout")
            }
            let (path, tag) = Self.splitLayout(ociLayout, fileExists: fileExists)
            return .ociLayout(path: path, tag: tag, name: source)
        }
        guard let source, let name else {
            throw ValidationError("give a directory and a name, e.g. tarmac image import ./rootfs web:v1 (or --oci-layout PATH)")
        }
        return .directory(path: source, name: name, config: try config())
    }

    /// The image config the flags describe.
    func config() throws -> ImageConfig {
        let environment = try ArgumentParsing.keyValues(env, flag: "--env")
        // Order of first appearance, the last value of a repeated key winning (as KEY=VALUE).
        var orderedEnv: [String] = []
        for item in env {
            guard let key = item.split(separator: "=", maxSplits: 1).first.map(String.init),
                  let value = environment[key] else { continue }
            if let index = orderedEnv.firstIndex(where: { $0.hasPrefix(key + "=") }) {
                orderedEnv[index] = "\(key)=\(value)"
            } else {
                orderedEnv.append("\(key)=\(value)")
            }
        }
        let labels = try ArgumentParsing.keyValues(label, flag: "--label")
        if let workdir, !workdir.hasPrefix("/") {
            throw ValidationError("invalid --workdir \"\(workdir)\": use an absolute path such as /app")
        }
        if let user, user.isEmpty || user.contains(where: \.isWhitespace) {
            throw ValidationError("invalid --user \"\(user)\": use a name, uid or uid:gid")
        }
        return ImageConfig(
            entrypoint: try Self.words(entrypoint, flag: "--entrypoint"),
            cmd: try Self.words(cmd, flag: "--cmd"),
            env: orderedEnv.isEmpty ? nil : orderedEnv,
            workingDir: workdir,
            user: user,
            labels: labels.isEmpty ? nil : labels
        )
    }

    /// Words of repeated `--cmd`/`--entrypoint` values: each split shell-style (or a JSON
    /// array when it starts with `[`), appended in order; nil when no words were given.
    static func words(_ values: [String], flag: String) throws -> [String]? {
        var words: [String] = []
        for value in values {
            if value.trimmingCharacters(in: .whitespaces).hasPrefix("[") {
                guard let array = try? JSONDecoder().decode([String].self, from: Data(value.utf8)) else {
                    throw ValidationError("invalid \(flag) \(value): a value starting with [ must be a JSON array of strings, e.g. [\"sh\", \"-c\", \"echo hi\"]")
                }
                words += array
            } else {
                words += try ArgumentParsing.shellWords(value, flag: flag)
            }
        }
        return words.isEmpty ? nil : words
    }

    /// Splits `PATH[:TAG]`: a colon starts a tag when what follows has no `/` and the whole
    /// text is not itself an existing path.
    static func splitLayout(_ text: String, fileExists: (String) -> Bool) -> (path: String, tag: String?) {
        guard !fileExists(text), let colon = text.lastIndex(of: ":") else { return (text, nil) }
        let tag = String(text[text.index(after: colon)...])
        let path = String(text[..<colon])
        guard !tag.isEmpty, !tag.contains("/"), !path.isEmpty else { return (text, nil) }
        return (path, tag)
    }

    func run() async throws {
        let plan = try plan()
        try await options.withStore { store in
            let progress: @Sendable (String) -> Void = { line in Console.error(line) }
            let record: ImageRecord
            switch plan {
            case let .directory(path, name, config):
                record = try await store.importDirectory(URL(fileURLWithPath: path), as: name, config: config, progress: progress)
            case let .ociLayout(path, tag, name):
                record = try await store.importOCILayout(URL(fileURLWithPath: path), selecting: tag, as: name, progress: progress)
            }
            if options.json { return Console.line(ImageStoreOptions.json(record)) }
            Console.line("imported \(record.parsedReference?.familiar ?? record.reference) \(record.digest)")
        }
    }
}
