import Foundation
import HTTPTypes
import Hummingbird
import TarmacControl
import TarmacModel

/// `/tarmac/v1/apps/{app}/webhooks`: create (201, the secret is not echoed), list, show,
/// enable (after an automatic disabling), delete, and each webhook's delivery log.
extension Handlers {
    static let webhooksPath = "/tarmac/v1/apps/{app_name}/webhooks"

    func registerWebhooks(_ table: inout RouteTable) {
        table.add(.post, Self.webhooksPath) { request, context in
            let body = try await request.decodeBody(WebhookCreateRequest.self)
            return JSONResponse.make(try await control().createWebhook(app: try context.parameters.require("app_name"), body), status: .created)
        }
        table.add(.get, Self.webhooksPath) { _, context in
            JSONResponse.make(try await control().webhooks(app: try context.parameters.require("app_name")))
        }
        table.add(.get, Self.webhooksPath + "/{webhook_id}") { _, context in
            JSONResponse.make(try await control().webhook(app: try context.parameters.require("app_name"), id: try context.parameters.require("webhook_id")))
        }
        table.add(.post, Self.webhooksPath + "/{webhook_id}/enable") { _, context in
            JSONResponse.make(try await control().enableWebhook(app: try context.parameters.require("app_name"), id: try context.parameters.require("webhook_id")))
        }
        table.add(.delete, Self.webhooksPath + "/{webhook_id}") { _, context in
            try await control().deleteWebhook(app: try context.parameters.require("app_name"), id: try context.parameters.require("webhook_id"))
            return JSONResponse.empty(.ok)
        }
        table.add(.get, Self.webhooksPath + "/{webhook_id}/deliveries") { request, context in
            let limit = try request.queryInt("limit") ?? 50
            return JSONResponse.make(try await control().webhookDeliveries(
                app: try context.parameters.require("app_name"), id: try context.parameters.require("webhook_id"), limit: limit))
        }
    }
}
