import AsyncHTTPClient
import Foundation
import NIOCore
import TarmacMetrics
import TarmacModel
import CoreMetrics
import NIOHTTP1
import TarmacAgentProtocol
import TarmacRuntime

extension Agent {
    /// Every machine on this host with its state and, while it runs, its CPU and memory use
    /// (from the driver: cgroups for containers, the QEMU process for microVMs).
    public func machineSamples() async -> [MachineSample] {
        let records = (try? environment.store.allMachines()) ?? []
        var samples: [MachineSample] = []
        for record in records where record.state != .destroyed {
            var sample = MachineSample(machineID: record.id, app: record.spec.appName, state: record.state.rawValue, runtime: record.runtime)
            if record.state == .started, let handle = record.handle, let usage = await environment.driver.usage(handle) {
                sample.cpuSeconds = usage.cpuSeconds
                sample.memoryBytes = usage.memoryBytes
            }
            samples.append(sample)
        }
        return samples
    }

    /// The metrics of every started machine whose config asks for it (`config.metrics`:
    /// `{port, path, https}`), scraped now from the machine's private IP (each bounded by
    /// `timeout`) and re-exported with `machine_id` and `app` labels, families merged across
    /// machines. A machine that does not answer is left out (and counted).
    public func scrapeMachineMetrics(timeout: Duration = .seconds(2)) async -> String {
        let targets = ((try? environment.store.allMachines()) ?? []).compactMap { record -> (AgentMachineRecord, String)? in
            guard record.state == .started, let url = Self.metricsURL(record.spec.config.metrics, address: record.privateIP) else { return nil }
            return (record, url)
        }
        guard !targets.isEmpty else { return "" }
        let scraped = await withTaskGroup(of: (Int, String?).self) { group in
            for (index, target) in targets.enumerated() {
                group.addTask {
                    var request = HTTPClientRequest(url: target.1)
                    request.headers.add(name: "accept", value: "text/plain")
                    do {
                        let response = try await HTTPClient.shared.execute(request, timeout: TimeAmount(timeout))
                        let body = try await response.body.collect(upTo: 4 << 20)
                        return (index, (200..<300).contains(Int(response.status.code)) ? String(buffer: body) : nil)
                    } catch {
                        return (index, nil)
                    }
                }
            }
            var results: [Int: String] = [:]
            for await (index, text) in group { if let text { results[index] = text } }
            return results
        }
        var text = PrometheusText()
        for (index, target) in targets.enumerated() {
            guard let body = scraped[index] else {
                AgentMetrics.scrapeFailures.increment()
                continue
            }
            text.add(body, labels: [("machine_id", target.0.id), ("app", target.0.spec.appName)])
        }
        return text.render()
    }

    /// `http(s)://address:port/path` of a `config.metrics` value, nil when it has no port.
    static func metricsURL(_ metrics: JSONValue?, address: String) -> String? {
        guard let port = metrics?["port"]?.intValue, (1...65535).contains(port) else { return nil }
        var path = metrics?["path"]?.stringValue ?? "/metrics"
        if !path.hasPrefix("/") { path = "/" + path }
        let scheme = metrics?["https"]?.boolValue == true ? "https" : "http"
        return "\(scheme)://\(address):\(port)\(path)"
    }
}
