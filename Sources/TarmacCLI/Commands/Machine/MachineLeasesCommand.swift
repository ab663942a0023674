import ArgumentParser
import Foundation
import TarmacClient
import TarmacModel

/// `tarmac machine leases show|clear ID`.
struct MachineLeasesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "leases",
        abstract: "Show or clear the lease held on a machine.",
        discussion: "`tarmac machine leases ID` is short for `tarmac machine leases show ID`.",
        subcommands: [MachineLeasesShowCommand.self, MachineLeasesClearCommand.self],
        defaultSubcommand: MachineLeasesShowCommand.self,
        aliases: ["lease"]
    )

    static func render(_ lease: LeaseEnvelope.LeaseData, machineID: String, now: Date) -> String {
        let expires = Date(timeIntervalSince1970: Double(lease.expiresAt))
        return TableRenderer.keyValues([
            ("Machine", machineID),
            ("Owner", lease.owner),
            ("Nonce", lease.nonce),
            ("Expires", "\(Timestamps.rfc3339(expires)) (\(TimeFormatting.relative(expires, now: now)))"),
            ("Description", lease.description),
            ("Version", lease.version),
        ])
    }
}
