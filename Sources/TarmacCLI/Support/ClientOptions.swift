import ArgumentParser
import Foundation
import TarmacClient

/// Options every API command takes: where the server is, the token, and `--json`.
struct ClientOptions: ParsableArguments {
    @Option(name: .customLong("api"), help: ArgumentHelp("API base URL (env TARMAC_API_URL; default \(TarmacClient.Configuration.defaultBaseURL)).", valueName: "url"))
    var api: String?

    @Option(help: ArgumentHelp("API token (env TARMAC_API_TOKEN; default: the admin-token file in $TARMAC_DATA_DIR or ~/.tarmac).", valueName: "token"))
    var token: String?

    @Flag(help: "Print the server's JSON answer, pretty-printed, and nothing else on stdout.")
    var json = false

    /// The client configuration these options and the environment select.
    func configuration(environment: [String: String] = ProcessInfo.processInfo.environment) -> TarmacClient.Configuration {
        let settings = ClientSettings.resolve(
            apiFlag: api, tokenFlag: token, environment: environment,
            readFile: { path in try? String(contentsOfFile: path, encoding: .utf8) })
        var configuration = TarmacClient.Configuration(baseURL: settings.baseURL, token: settings.token)
        // A CLI should say at once that no server is listening rather than retry for seconds.
        configuration.retriesFailedConnections = false
        return configuration
    }

    /// Runs `body` with a client, shuts the client down, and turns failures into the
    /// CLI's error message on stderr and its exit code (see ``CLIError``).
    func withClient(_ body: (TarmacClient) async throws -> Void) async throws {
        do {
            try await TarmacClient.withClient(configuration: configuration(), body)
        } catch let error as ClientError {
            throw CLIError(error).report()
        } catch let error as CLIError {
            throw error.report()
        }
    }
}
