import TarmacModel

extension APIRequest {
    /// `POST /tarmac/v1/apps/{app}/webhooks` → 201 ``Webhook``.
    public static func createWebhook(app: String, _ request: WebhookCreateRequest) throws(ClientError) -> APIRequest {
        try tarmac(.post, ["apps", app, "webhooks"]).withJSONBody(request)
    }

    /// `GET /tarmac/v1/apps/{app}/webhooks` → `[Webhook]`.
    public static func listWebhooks(app: String) -> APIRequest {
        tarmac(.get, ["apps", app, "webhooks"])
    }

    /// `GET /tarmac/v1/apps/{app}/webhooks/{id}` → ``Webhook``.
    public static func getWebhook(app: String, id: String) -> APIRequest {
        tarmac(.get, ["apps", app, "webhooks", id])
    }

    /// `POST /tarmac/v1/apps/{app}/webhooks/{id}/enable` → ``Webhook``.
    public static func enableWebhook(app: String, id: String) -> APIRequest {
        tarmac(.post, ["apps", app, "webhooks", id, "enable"])
    }

    /// `DELETE /tarmac/v1/apps/{app}/webhooks/{id}` → 200.
    public static func deleteWebhook(app: String, id: String) -> APIRequest {
        tarmac(.delete, ["apps", app, "webhooks", id])
    }

    /// `GET /tarmac/v1/apps/{app}/webhooks/{id}/deliveries?limit=N` → `[WebhookDelivery]`, newest first.
    public static func webhookDeliveries(app: String, id: String, limit: Int = 50) -> APIRequest {
        tarmac(.get, ["apps", app, "webhooks", id, "deliveries"], query: [.init("limit", String(limit))])
    }
}
