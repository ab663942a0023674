import Foundation
import TarmacModel
import TarmacRuntime

/// Runs a machine's lifecycle hooks (`config.hooks`) through the driver's exec, one after
/// the other, each bounded by its timeout, and describes each run as a `hook` event:
/// `status` `ok`, `failed` (non-zero exit, signal, or exec error) or `timed_out`;
/// `request` `{hook, index, command, exit_code, signal, duration_ms, stdout, stderr, error}`
/// (outputs cut to their last 1 KiB).
struct HookRunner: Sendable {
    let environment: AgentEnvironment

    static let outputLimit = 1024

    func run(_ point: MachineHooks.Point, of config: MachineConfig, handle: RuntimeHandle, report: @Sendable (MachineEvent) -> Void) async {
        for (index, hook) in (config.hooks?.hooks(at: point) ?? []).enumerated() {
            if Task.isCancelled { return }
            report(await run(hook, point: point, index: index, handle: handle))
        }
    }

    func run(_ hook: MachineHook, point: MachineHooks.Point, index: Int, handle: RuntimeHandle) async -> MachineEvent {
        let command = hook.exec ?? []
        var request: [String: JSONValue] = [
            "hook": .string(point.rawValue), "index": .number(Double(index)), "command": .array(command.map { .string($0) }),
        ]
        let started = ContinuousClock.now
        let status: String
        do {
            let result = try await environment.driver.exec(handle, ExecRequest(command: command, timeout: hook.effectiveTimeout.duration))
            request["exit_code"] = .number(Double(result.exitCode))
            if result.exitSignal != 0 { request["signal"] = .number(Double(result.exitSignal)) }
            request["stdout"] = .string(Self.tail(result.stdout))
            request["stderr"] = .string(Self.tail(result.stderr))
            status = result.timedOut ? "timed_out" : (result.exitCode == 0 && result.exitSignal == 0 ? "ok" : "failed")
        } catch {
            request["error"] = .string("\(error)")
            status = "failed"
        }
        let elapsed = ContinuousClock.now - started
        request["duration_ms"] = .number(Double(elapsed.wholeMilliseconds))
        return environment.machineEvent(type: "hook", status: status, request: .object(request))
    }

    static func tail(_ text: String) -> String {
        guard text.utf8.count > outputLimit else { return text }
        return "…" + String(decoding: Array(text.utf8.suffix(outputLimit)), as: UTF8.self)
    }
}
