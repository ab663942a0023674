import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import TarmacControl
import TarmacModel

extension Handlers {
    func registerMachineData(_ table: inout RouteTable) {
        let path = Self.machinePath
        table.add(.get, path + "/lease") { _, context in
            let (app, id) = try Self.machine(context)
            return JSONResponse.make(try await control().lease(app: app, id: id))
        }
        table.add(.post, path + "/lease") { request, context in
            let (app, id) = try Self.machine(context)
            let body = try await request.decodeBody(LeaseRequest.self, empty: LeaseRequest())
            let ttl = try request.queryInt("ttl") ?? body.ttl
            let lease = try await control().acquireLease(app: app, id: id, ttl: ttl, description: body.description, nonce: request.leaseNonce)
            return JSONResponse.make(lease, status: .created)
        }
        table.add(.delete, path + "/lease") { request, context in
            let (app, id) = try Self.machine(context)
            try await control().releaseLease(app: app, id: id, nonce: request.leaseNonce)
            return JSONResponse.make(LeaseReleased())
        }
        table.add(.get, path + "/metadata") { _, context in
            let (app, id) = try Self.machine(context)
            return JSONResponse.make(try await control().metadata(app: app, id: id))
        }
        for method in [HTTPRequest.Method.put, .patch] {
            table.add(method, path + "/metadata") { request, context in
                let (app, id) = try Self.machine(context)
                let body = try await request.decodeBody(MetadataUpdateRequest.self)
                try await control().updateMetadata(app: app, id: id, changes: body.metadata, machineVersion: body.machineVersion, nonce: request.leaseNonce)
                return JSONResponse.empty(.noContent)
            }
        }
        table.add(.get, path + "/metadata/{key}") { _, context in
            let (app, id) = try Self.machine(context)
            let value = try await control().metadataValue(app: app, id: id, key: try context.parameters.require("key"))
            return JSONResponse.make(["value": value])
        }
        table.add(.post, path + "/metadata/{key}") { request, context in
            let (app, id) = try Self.machine(context)
            let body = try await request.decodeBody(MetadataValueRequest.self)
            try await control().updateMetadata(app: app, id: id, changes: [try context.parameters.require("key"): body.value], machineVersion: nil, nonce: request.leaseNonce)
            return JSONResponse.empty(.noContent)
        }
        table.add(.delete, path + "/metadata/{key}") { request, context in
            let (app, id) = try Self.machine(context)
            let key = try context.parameters.require("key")
            _ = try await control().metadataValue(app: app, id: id, key: key)
            try await control().updateMetadata(app: app, id: id, changes: [key: nil], machineVersion: nil, nonce: request.leaseNonce)
            return JSONResponse.empty(.noContent)
        }
        table.add(.get, path + "/events") { request, context in
            let (app, id) = try Self.machine(context)
            let limit = try request.queryInt("limit") ?? 20
            guard limit >= 1 else { throw ControlError(.badRequest, "invalid_argument: limit must be at least 1, got \(limit)") }
            return JSONResponse.make(try await control().events(app: app, id: id, limit: min(limit, 50)))
        }
        table.add(.get, path + "/versions") { _, context in
            let (app, id) = try Self.machine(context)
            return JSONResponse.make(try await control().versions(app: app, id: id))
        }
    }
}

/// `{"status":"success","data":{"ok":true}}`, the answer to releasing a lease.
struct LeaseReleased: Encodable {
    var status = "success"
    var data = ["ok": true]
}
