import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import TarmacControl
import TarmacModel

extension Handlers {
    static let machinePath = "/v1/apps/{app_name}/machines/{machine_id}"

    func registerMachines(_ table: inout RouteTable) {
        table.add(.get, "/v1/apps/{app_name}/machines") { request, context in
            JSONResponse.make(try await control().listMachines(app: try context.parameters.require("app_name"), filter: try Self.filter(request)))
        }
        table.add(.post, "/v1/apps/{app_name}/machines") { request, context in
            let body = try await request.decodeBody(CreateMachineRequest.self)
            return JSONResponse.make(try await control().createMachine(app: try context.parameters.require("app_name"), request: body))
        }
        table.add(.get, Self.machinePath) { request, context in
            let (app, id) = try Self.machine(context)
            return JSONResponse.make(try await control().machine(app: app, id: id, includeLease: try request.queryBool("include_leases") ?? false))
        }
        // `POST` is the documented update; Fly clients (the Python SDK among them) send `PUT`.
        for method in [HTTPRequest.Method.post, .put] {
            table.add(method, Self.machinePath) { request, context in
                let (app, id) = try Self.machine(context)
                let body = try await request.decodeBody(CreateMachineRequest.self)
                return JSONResponse.make(try await control().updateMachine(app: app, id: id, request: body, nonce: request.leaseNonce))
            }
        }
        table.add(.delete, Self.machinePath) { request, context in
            let (app, id) = try Self.machine(context)
            // The docs and spec say `force`; fly-go sends `kill`.
            let force = try request.queryBool("force") ?? request.queryBool("kill") ?? false
            try await control().destroyMachine(app: app, id: id, force: force, nonce: request.leaseNonce)
            return JSONResponse.make(["ok": true])
        }
        table.add(.get, "/v1/orgs/{org_slug}/machines") { request, context in
            let machines = try await control().listOrgMachines(org: try context.parameters.require("org_slug"), filter: try Self.filter(request))
            return JSONResponse.make(OrgMachines(machines: machines))
        }
    }

    static func machine(_ context: BasicRequestContext) throws -> (String, String) {
        (try context.parameters.require("app_name"), try context.parameters.require("machine_id"))
    }

    static func filter(_ request: Request) throws -> MachineFilter {
        var filter = MachineFilter()
        filter.includeDeleted = try request.queryBool("include_deleted") ?? false
        filter.includeLeases = try request.queryBool("include_leases") ?? false
        filter.summary = try request.queryBool("summary") ?? false
        filter.region = request.query("region")
        filter.states = Set(request.queryList("state"))
        let known = Set(MachineState.allCases.map(\.rawValue))
        if let unknown = filter.states.first(where: { !known.contains($0) }) {
            throw ControlError(.badRequest, "invalid_argument: unknown state \"\(unknown)\"")
        }
        filter.metadata = request.metadataFilters
        return filter
    }
}

/// Answer of `GET /v1/orgs/{org}/machines`.
struct OrgMachines: Encodable {
    var machines: [Machine]
    var nextCursor: String?
    var lastMachineID: String?
    var lastUpdatedAt: String?

    init(machines: [Machine]) {
        self.machines = machines
        lastMachineID = machines.last?.id
        lastUpdatedAt = machines.map(\.updatedAt).max()
    }

    enum CodingKeys: String, CodingKey {
        case machines
        case nextCursor = "next_cursor"
        case lastMachineID = "last_machine_id"
        case lastUpdatedAt = "last_updated_at"
    }
}
