import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import TarmacControl
import TarmacModel

extension Handlers {
    func registerApps(_ table: inout RouteTable) {
        table.add(.get, "/v1/platform/regions") { _, _ in
            JSONResponse.make(try control().platformRegions())
        }
        table.add(.get, "/v1/apps") { request, _ in
            JSONResponse.make(try await control().listApps(orgSlug: request.query("org_slug")))
        }
        table.add(.post, "/v1/apps") { request, _ in
            let body = try await request.decodeBody(CreateAppRequest.self)
            return JSONResponse.make(try await control().createApp(body), status: .created)
        }
        table.add(.get, "/v1/apps/{app_name}") { _, context in
            JSONResponse.make(try await control().app(named: try context.parameters.require("app_name")))
        }
        table.add(.delete, "/v1/apps/{app_name}") { request, context in
            try await control().deleteApp(named: try context.parameters.require("app_name"), force: try request.queryBool("force") ?? false)
            return JSONResponse.empty(.accepted)
        }
    }
}
