import ArgumentParser
import Foundation
import Logging
import TarmacImage

/// Options of every `tarmac image` command: where the store is, and `--json`.
struct ImageStoreOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Data directory holding images/ (env TARMAC_DATA_DIR; default ~/.tarmac).", valueName: "dir"))
    var dataDir: String?

    @Flag(help: "Print JSON records on stdout instead of text.")
    var json = false

    /// `<data-dir>/images`.
    func storeRoot(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        let dataDirectory = ClientSettings.nonEmpty(dataDir)
            ?? ClientSettings.dataDirectory(environment: environment)
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".tarmac").path
        return URL(fileURLWithPath: dataDirectory).standardizedFileURL.appendingPathComponent("images", isDirectory: true)
    }

    /// Runs `body` with the store and turns `ImageError`s into the CLI's error message on
    /// stderr and its exit code (64 for a malformed reference, 1 otherwise).
    func withStore(_ body: (ImageStore) async throws -> Void) async throws {
        var logger = Logger(label: "tarmac.image")
        logger.logLevel = .warning
        let store = ImageStore(root: storeRoot(), logger: logger)
        do {
            try await body(store)
        } catch let error as ImageError {
            throw Self.cliError(error).report()
        } catch let error as CLIError {
            throw error.report()
        }
    }

    static func cliError(_ error: ImageError) -> CLIError {
        CLIError(message: error.description, exitCode: error.code == .invalidReference ? CLIError.usage : CLIError.failure)
    }

    /// Records as JSON: sorted keys, RFC 3339 dates.
    static func json(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        guard let data = try? encoder.encode(value) else { return "null" }
        return String(decoding: data, as: UTF8.self)
    }
}
