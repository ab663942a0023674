import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import TarmacModel

/// What one probe of a health check found.
struct ProbeResult: Sendable, Hashable {
    var passed: Bool
    var output: String
}

/// Runs one probe of a check against a machine's address.
protocol HealthProber: Sendable {
    func probe(_ check: HealthCheck, address: String) async -> ProbeResult
}

/// Probes over the host's network, as the machine's clients reach it: `tcp` connects,
/// `http` sends one request (a new connection each time, `Connection: close`) and passes
/// on a 2xx answer. Each probe is bounded by the check's timeout.
struct NetworkHealthProber: HealthProber {
    var client: HTTPClient = .shared

    func probe(_ check: HealthCheck, address: String) async -> ProbeResult {
        switch check.type {
        case .http: await http(check, address: address)
        default: await tcp(check, address: address)
        }
    }

    private func tcp(_ check: HealthCheck, address: String) async -> ProbeResult {
        let target = "\(address):\(check.port)"
        do {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(TimeAmount(check.timeout.duration))
                .connect(host: address, port: check.port)
                .get()
            try? await channel.close()
            return ProbeResult(passed: true, output: "TCP connect \(target): Success")
        } catch {
            return ProbeResult(passed: false, output: "TCP connect \(target): \(Self.describe(error))")
        }
    }

    private func http(_ check: HealthCheck, address: String) async -> ProbeResult {
        // With `tls_server_name`, the request names that host (SNI, certificate check, Host
        // header) and a client of its own connects it to the machine's address.
        let serverName = check.scheme == "https" ? check.tlsServerName.flatMap { $0.isEmpty ? nil : $0 } : nil
        let url = "\(check.scheme)://\(serverName ?? address):\(check.port)\(check.path)"
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: check.method)
        for header in check.headers {
            for value in header.values { request.headers.add(name: header.name, value: value) }
        }
        request.headers.replaceOrAdd(name: "connection", value: "close")
        if !request.headers.contains(name: "user-agent") { request.headers.add(name: "user-agent", value: "tarmac-health-check") }
        if check.scheme == "https", check.tlsSkipVerify {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.certificateVerification = .none
            request.tlsConfiguration = tls
        }
        guard let serverName else { return await send(request, check: check, url: url, client: client) }
        var configuration = HTTPClient.Configuration()
        configuration.dnsOverride = [serverName: address]
        let dedicated = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
        let result = await send(request, check: check, url: url, client: dedicated)
        try? await dedicated.shutdown()
        return result
    }

    private func send(_ request: HTTPClientRequest, check: HealthCheck, url: String, client: HTTPClient) async -> ProbeResult {
        do {
            let response = try await client.execute(request, timeout: TimeAmount(check.timeout.duration))
            let body = try? await response.body.collect(upTo: 4096)
            let text = body.map { String(buffer: $0) }.map { $0.count > 200 ? String($0.prefix(200)) + "…" : $0 } ?? ""
            let line = "HTTP \(check.method) \(url): \(response.status.code) \(response.status.reasonPhrase)"
            let passed = (200..<300).contains(Int(response.status.code))
            return ProbeResult(passed: passed, output: text.isEmpty ? line : line + " Output: \"\(text.trimmingCharacters(in: .whitespacesAndNewlines))\"")
        } catch {
            return ProbeResult(passed: false, output: "HTTP \(check.method) \(url): \(Self.describe(error))")
        }
    }

    static func describe(_ error: any Error) -> String {
        if case ChannelError.connectTimeout = error { return "timed out" }
        if let error = error as? HTTPClientError, error == .deadlineExceeded || error == .connectTimeout { return "timed out" }
        if let error = error as? NIOConnectionError, let first = error.connectionErrors.first { return "\(first.error)" }
        return "\(error)"
    }
}
