import Foundation
import Logging
import TarmacAgentProtocol
import TarmacImage
import TarmacModel

extension AgentEnvironment {
    /// Refuses a machine whose image this host can neither find nor pull.
    func checkImage(_ ref: ImageRef) throws {
        if (try? images.resolve(ref.digest)) != nil { return }
        guard let puller, puller.canProvide(ref) else {
            throw AgentError(.imageNotFound, "image \(ref.digest) is not in this host's image store: import it again")
        }
    }

    /// The image a launch runs: from the store, or pulled now with progress in the machine's
    /// events (`launch`/`pulling`, `launch`/`pulled`). A failed pull fails the launch with
    /// a message naming the image.
    func launchImage(for record: AgentMachineRecord) async throws -> ImageRecord {
        let spec = record.spec
        if let image = try? images.resolve(spec.imageRef.digest) { return image }
        let name = spec.config.image ?? spec.imageRef.digest
        guard let puller else {
            throw AgentError(.imageNotFound, "image \(name) (\(spec.imageRef.digest)) is no longer in this host's image store: import it again")
        }
        do {
            return try await puller.image(for: spec.imageRef) { event in
                await publish(record, event)
            }
        } catch let error as AgentError {
            throw error
        } catch {
            throw AgentError(.imageNotFound, "pulling image \(name) (\(spec.imageRef.digest)) failed: \(error)")
        }
    }

    /// Appends an event to the machine's updates (the record itself is unchanged).
    private func publish(_ record: AgentMachineRecord, _ event: MachineEvent) async {
        do {
            let sequence = try await store.save(record, event: event)
            await feed.publish(sequence)
        } catch {
            logger.warning("failed to record a pull event", metadata: ["machine_id": "\(record.id)", "error": "\(error)"])
        }
    }
}
