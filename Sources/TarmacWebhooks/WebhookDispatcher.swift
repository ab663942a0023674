import AsyncHTTPClient
import Foundation
import Logging
import ServiceLifecycle
import Synchronization
import TarmacControl
import TarmacModel
import TarmacStore

/// Delivers every app's webhooks: one worker per enabled webhook, each following the app's
/// event log from the webhook's durable cursor (the outbox), so a delivery interrupted by a
/// restart is made again (at least once) and a slow or failing receiver only delays its own
/// webhook. Started webhooks are found at start-up and through `Control.webhookSignal`.
public final class WebhookDispatcher: Service {
    public struct Configuration: Sendable {
        /// How long one delivery may take before it counts as failed.
        public var requestTimeout: Duration = .seconds(10)
        public var backoff = WebhookBackoff()
        /// Failed attempts in a row (across events) after which the webhook is disabled.
        public var maximumConsecutiveFailures = 10
        public init() {}
    }

    private let control: Control
    private let store: any ControlStore
    private let configuration: Configuration
    private let client: HTTPClient
    private let logger: Logger
    private let running = Mutex<Set<String>>([])

    public init(control: Control, store: any ControlStore, configuration: Configuration = Configuration(), client: HTTPClient = .shared, logger: Logger) {
        self.control = control
        self.store = store
        self.configuration = configuration
        self.client = client
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                do {
                    for record in try await self.store.webhooks(appName: nil) where record.webhook.enabled {
                        self.start(record.id, group: &group)
                    }
                } catch {
                    self.logger.error("could not read the webhooks; only new ones are delivered until restart", metadata: ["error": "\(error)"])
                }
                for await id in self.control.webhookSignal.additions {
                    self.start(id, group: &group)
                }
            }
        }
    }

    private func start(_ id: String, group: inout DiscardingTaskGroup) {
        guard running.withLock({ $0.insert(id).inserted }) else { return }
        let worker = WebhookWorker(
            id: id, control: control, store: store, configuration: configuration, client: client,
            logger: logger.with(metadataKey: "webhook_id", value: id))
        group.addTask {
            await worker.run()
            _ = self.running.withLock { $0.remove(id) }
        }
    }
}

extension Logger {
    func with(metadataKey key: String, value: String) -> Logger {
        var logger = self
        logger[metadataKey: key] = .string(value)
        return logger
    }
}
