import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A running Tarmac API under test (`tarmac dev`, or a cluster's `tarmac server`): the
/// HTTP helpers every integration suite uses.
protocol APIFixture: Sendable {
    var baseURL: String { get }
    var token: String { get }
    /// The process's log, for failure messages.
    var log: String { get }
}

extension APIFixture {
    func request(_ method: String, _ path: String, body: Any? = nil, headers: [String: String] = [:]) async throws -> (Int, Data) {
        guard let url = URL(string: baseURL + path) else { throw FixtureError("bad path \(path)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        request.timeoutInterval = 90
        request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        for (key, value) in headers { request.setValue(value, forHTTPHeaderField: key) }
        if let body {
            request.httpBody = try (body as? Data) ?? JSONSerialization.data(withJSONObject: body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, data)
    }

    /// Sends a request and parses a JSON object answer (nil when the body is not an object).
    func json(_ method: String, _ path: String, body: Any? = nil, headers: [String: String] = [:]) async throws -> (Int, [String: Any]?) {
        let (status, data) = try await request(method, path, body: body, headers: headers)
        return (status, (try? JSONSerialization.jsonObject(with: data)) as? [String: Any])
    }

    func jsonArray(_ method: String, _ path: String) async throws -> (Int, [[String: Any]]) {
        let (status, data) = try await request(method, path)
        return (status, ((try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]]) ?? [])
    }

    func createApp(_ name: String) async throws {
        let (status, data) = try await request("POST", "/v1/apps", body: ["name": name, "org_slug": "personal"])
        guard status == 201 else { throw FixtureError("app create failed \(status): \(String(decoding: data, as: UTF8.self))") }
    }

    /// Creates a machine and returns its JSON.
    func createMachine(app: String, body: [String: Any]) async throws -> [String: Any] {
        let (status, machine) = try await json("POST", "/v1/apps/\(app)/machines", body: body)
        guard status == 200, let machine else { throw FixtureError("machine create failed \(status): \(String(describing: machine))\n\(log.suffix(3000))") }
        return machine
    }

    func wait(app: String, id: String, state: String, timeout: Int = 30) async throws -> [String: Any] {
        let (status, body) = try await json("GET", "/v1/apps/\(app)/machines/\(id)/wait?state=\(state)&timeout=\(min(timeout, 60))")
        guard status == 200, let body else {
            let (_, machine) = try await json("GET", "/v1/apps/\(app)/machines/\(id)")
            throw FixtureError("wait for \(state) failed \(status): \(String(describing: body)); machine: \(String(describing: machine))\n\(log.suffix(4000))")
        }
        return body
    }

    func events(app: String, id: String) async throws -> [[String: Any]] {
        try await jsonArray("GET", "/v1/apps/\(app)/machines/\(id)/events?limit=50").1
    }

    /// Polls until `check` holds or the timeout passes.
    func eventually(timeout: Duration = .seconds(20), _ check: () async throws -> Bool) async throws -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while clock.now < deadline {
            if try await check() { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return try await check()
    }
}
