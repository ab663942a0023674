import ArgumentParser
import Foundation
import TarmacClient
import TarmacModel

/// `tarmac machine leases show ID`.
struct MachineLeasesShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show the lease held on a machine.", aliases: ["view"])

    @Argument(help: "Machine ID.")
    var id: String

    @OptionGroup var app: AppOptions
    @OptionGroup var client: ClientOptions

    func run() async throws {
        let appName = try app.resolvedApp()
        try await client.withClient { api in
            let response: APIResponse
            do {
                response = try await api.send(.getLease(app: appName, id: id))
            } catch let error as ClientError where error.isNotFound && error.message.contains("lease") {
                // No lease is a normal answer, not a failure.
                if client.json { return Console.line("null") }
                return Console.line("No lease held on machine \(id).")
            }
            if client.json { return Console.printJSON(response.body) }
            let envelope = try response.decode(LeaseEnvelope.self)
            guard let data = envelope.data else { return Console.line("No lease held on machine \(id).") }
            Console.line(MachineLeasesCommand.render(data, machineID: id, now: Date()))
        }
    }
}
