import Foundation
import TarmacModel

/// Tables and detail views of machines.
enum MachineFormatting {
    static let listHeaders = ["ID", "NAME", "STATE", "CHECKS", "REGION", "IMAGE", "PRIVATE IP", "RUNTIME", "UPDATED"]

    static func listRow(_ machine: Machine, now: Date) -> [String] {
        let state = machine.cordoned ? "\(machine.state) (cordoned)" : machine.state
        return [
            machine.id, machine.name, state, checks(machine), machine.region, image(machine), machine.privateIP,
            machine.runtime ?? "", TimeFormatting.relative(rfc3339: machine.updatedAt, now: now),
        ]
    }

    /// `2/3 passing` (with `1 critical` when any fails), `-` without checks.
    static func checks(_ machine: Machine) -> String {
        guard let checks = machine.checks, !checks.isEmpty else { return "-" }
        let passing = checks.filter { $0.status == CheckState.passing.rawValue }.count
        let critical = checks.filter { $0.status == CheckState.critical.rawValue }.count
        return "\(passing)/\(checks.count) passing" + (critical > 0 ? ", \(critical) critical" : "")
    }

    /// The image as the user wrote it in the config, else from `image_ref`.
    static func image(_ machine: Machine) -> String {
        if let image = machine.config?.image, !image.isEmpty { return image }
        guard let ref = machine.imageRef else { return "" }
        let tag = ref.tag.isEmpty ? "" : ":\(ref.tag)"
        return ref.repository + tag
    }

    /// The command the machine runs: entrypoint + cmd (or exec), shell-quoted for display.
    static func command(_ config: MachineConfig?) -> String {
        guard let initConfig = config?.`init` else { return "" }
        let words = initConfig.exec ?? ((initConfig.entrypoint ?? []) + (initConfig.cmd ?? []))
        return words.map(quote).joined(separator: " ")
    }

    static func quote(_ word: String) -> String {
        let safe = word.allSatisfy { $0.isLetter || $0.isNumber || "-_./:=@%+,".contains($0) }
        if safe, !word.isEmpty { return word }
        return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// The summary printed after `machine run` and similar actions.
    static func summary(_ machine: Machine) -> String {
        TableRenderer.keyValues([
            ("ID", machine.id),
            ("Name", machine.name),
            ("State", machine.state),
            ("Region", machine.region),
            ("Image", image(machine)),
            ("Private IP", machine.privateIP),
        ])
    }

    /// The detail view of `machine status`.
    static func details(_ machine: Machine, now: Date) -> String {
        let config = machine.config
        var pairs: [(String, String)] = [
            ("ID", machine.id),
            ("Name", machine.name),
            ("State", machine.state),
            ("Region", machine.region),
            ("Image", image(machine)),
        ]
        if let ref = machine.imageRef, !ref.digest.isEmpty { pairs.append(("Image digest", ref.digest)) }
        pairs += [
            ("Private IP", machine.privateIP),
            ("Runtime", machine.runtime ?? "-"),
            ("Instance ID", machine.instanceID),
            ("Host status", machine.hostStatus),
            ("Cordoned", machine.cordoned ? "yes" : "no"),
        ]
        if let config {
            let kind = config.guest?.cpuKind ?? "shared"
            pairs.append(("Guest", "\(config.cpus) \(kind) CPU\(config.cpus == 1 ? "" : "s"), \(config.memoryMB) MB"))
            let policy = config.restartPolicy
            let restart = policy == .onFailure ? "\(policy.rawValue) (max \(config.maxRetries) retries)" : policy.rawValue
            pairs.append(("Restart", restart))
            let command = command(config)
            if !command.isEmpty { pairs.append(("Command", command)) }
            if let env = config.env, !env.isEmpty {
                pairs.append(("Env", env.keys.sorted().map { "\($0)=\(env[$0] ?? "")" }.joined(separator: " ")))
            }
            if let metadata = config.metadata, !metadata.isEmpty {
                pairs.append(("Metadata", metadata.keys.sorted().map { "\($0)=\(metadata[$0] ?? "")" }.joined(separator: " ")))
            }
        }
        if let lease = machine.lease {
            pairs.append(("Lease", "held by \(lease.owner), expires \(TimeFormatting.relative(Date(timeIntervalSince1970: Double(lease.expiresAt)), now: now))"))
        }
        pairs.append(("Created", "\(machine.createdAt) (\(TimeFormatting.relative(rfc3339: machine.createdAt, now: now)))"))
        pairs.append(("Updated", "\(machine.updatedAt) (\(TimeFormatting.relative(rfc3339: machine.updatedAt, now: now)))"))
        return TableRenderer.keyValues(pairs)
    }
}
