import ArgumentParser

/// `tarmac image …`: the host's local image store (no server needed).
struct ImageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Pull, push, import, inspect, list and remove images in the local image store.",
        discussion: """
            Images live in <data-dir>/images (--data-dir, else $TARMAC_DATA_DIR, else ~/.tarmac), \
            the store `tarmac dev` runs machines from. A machine's image (web:v1, \
            docker.io/library/web:v1, web@sha256:…, or a digest) resolves against it.
            """,
        subcommands: [
            ImageImportCommand.self,
            ImageListCommand.self,
            ImageRemoveCommand.self,
            ImagePullCommand.self,
            ImagePushCommand.self,
            ImageInspectCommand.self,
            ImagePruneCommand.self,
            ImageUnpackCommand.self,
        ],
        aliases: ["images"]
    )
}
