import ArgumentParser
import TarmacClient
import TarmacModel

/// `tarmac machine leases clear ID`: reads the lease's nonce and releases it.
struct MachineLeasesClearCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "clear", abstract: "Release the lease held on a machine, whoever holds it.")

    @Argument(help: "Machine ID.")
    var id: String

    @OptionGroup var app: AppOptions
    @OptionGroup var client: ClientOptions

    func run() async throws {
        let appName = try app.resolvedApp()
        try await client.withClient { api in
            let envelope: LeaseEnvelope
            do {
                envelope = try await api.getLease(app: appName, id: id)
            } catch let error as ClientError where error.isNotFound && error.message.contains("lease") {
                if client.json { return Console.line("null") }
                return Console.line("No lease held on machine \(id); nothing to clear.")
            }
            guard let nonce = envelope.data?.nonce else {
                if client.json { return Console.line("null") }
                return Console.line("No lease held on machine \(id); nothing to clear.")
            }
            let response = try await api.send(.releaseLease(app: appName, id: id, nonce: nonce))
            if client.json { return Console.printJSON(response.body) }
            Console.line("Cleared the lease on machine \(id) (held by \(envelope.data?.owner ?? "unknown")).")
        }
    }
}
