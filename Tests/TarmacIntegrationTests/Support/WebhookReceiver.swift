import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// A webhook receiver on loopback for the tests, verifying each delivery's signature the
/// way docs/api.md tells receivers to (its own HMAC code, not Tarmac's):
/// - `POST /ok` answers 204, or 500 while `failing` is set;
/// - `POST /fail` always answers 500;
/// - `POST /hang` never answers (the sender's timeout ends it).
final class WebhookReceiver: Sendable {
    struct Delivery: Sendable {
        var path: String
        var webhookID: String
        var sequence: Int64
        var eventType: String
        var attempt: Int
        var signatureValid: Bool
        var machineID: String
        var request: [String: String]
    }

    let secret: String
    private let state = Mutex<(deliveries: [Delivery], failing: Bool)>(([], false))

    init(secret: String) { self.secret = secret }

    var deliveries: [Delivery] { state.withLock { $0.deliveries } }
    func setFailing(_ failing: Bool) { state.withLock { $0.failing = failing } }

    /// Runs the receiver on a free port for the duration of `body`.
    static func with(secret: String, _ body: (WebhookReceiver, Int) async throws -> Void) async throws {
        let receiver = WebhookReceiver(secret: secret)
        let router = Router()
        for path in ["ok", "fail", "hang"] {
            router.post(RouterPath(path)) { request, _ -> Response in
                let data = try await request.body.collect(upTo: 1 << 20)
                return try await receiver.receive(path: path, headers: request.headers, body: Data(buffer: data))
            }
        }
        let port = Mutex<Int?>(nil)
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port } },
            logger: Logger(label: "webhook-receiver") { _ in SwiftLogNoOpLogHandler() })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.runService() }
            defer { group.cancelAll() }
            let deadline = ContinuousClock.now + .seconds(10)
            while port.withLock({ $0 }) == nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            guard let bound = port.withLock({ $0 }) else { throw FixtureError("the webhook receiver did not start") }
            try await body(receiver, bound)
        }
    }

    private func receive(path: String, headers: HTTPFields, body: Data) async throws -> Response {
        let valid = headers[HTTPField.Name("tarmac-signature")!].map { Self.verify($0, secret: secret, body: body) } ?? false
        let json = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
        let event = json["event"] as? [String: Any]
        let delivery = Delivery(
            path: path, webhookID: headers[HTTPField.Name("tarmac-webhook-id")!] ?? "",
            sequence: (json["sequence"] as? NSNumber)?.int64Value ?? -1, eventType: event?["type"] as? String ?? "",
            attempt: Int(headers[HTTPField.Name("tarmac-delivery-attempt")!] ?? "") ?? 0, signatureValid: valid,
            machineID: json["machine_id"] as? String ?? "",
            request: ((event?["request"] as? [String: Any]) ?? [:]).mapValues { "\($0)" })
        let failing = state.withLock { state in
            state.deliveries.append(delivery)
            return state.failing
        }
        switch path {
        case "hang":
            try await Task.sleep(for: .seconds(120))
            return Response(status: .noContent)
        case "fail":
            return Response(status: .internalServerError)
        default:
            return Response(status: failing ? .internalServerError : .noContent)
        }
    }

    /// The documented check: `t=<unix>,v1=<hex>`, hex = HMAC-SHA256(secret, "<t>.<body>"),
    /// and the timestamp within 5 minutes of now.
    static func verify(_ header: String, secret: String, body: Data) -> Bool {
        var fields: [String: String] = [:]
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1)
            if pair.count == 2 { fields[String(pair[0])] = String(pair[1]) }
        }
        guard let t = fields["t"], let timestamp = Double(t), let signature = fields["v1"] else { return false }
        guard abs(Date().timeIntervalSince1970 - timestamp) <= 300 else { return false }
        let mac = HMAC<SHA256>.authenticationCode(for: Data((t + ".").utf8) + body, using: SymmetricKey(data: Data(secret.utf8)))
        return mac.map { String(format: "%02x", $0) }.joined() == signature
    }
}
