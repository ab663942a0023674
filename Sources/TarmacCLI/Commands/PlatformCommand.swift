import ArgumentParser
import TarmacClient
import TarmacModel

/// `tarmac platform regions [--json]`, as flyctl spells it.
struct PlatformCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "platform", abstract: "The installation itself.", subcommands: [PlatformRegionsCommand.self])
}

struct PlatformRegionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "regions", abstract: "List the regions that have hosts (the default one marked *).")

    @OptionGroup var client: ClientOptions

    func run() async throws {
        try await client.withClient { api in
            let response = try await api.send(.platformRegions())
            if client.json { return Console.printJSON(response.body) }
            Console.line(Self.table(try response.decode(PlatformRegions.self)))
        }
    }

    static func table(_ list: PlatformRegions) -> String {
        let rows = list.regions.map { region in
            [region.code + (region.code == list.nearest ? " *" : ""), region.name, region.geoRegion,
             region.latitude == 0 && region.longitude == 0 ? "-" : "\(region.latitude), \(region.longitude)"]
        }
        return TableRenderer.render(headers: ["CODE", "NAME", "GEO", "LATITUDE, LONGITUDE"], rows: rows)
    }
}
