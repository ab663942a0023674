import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// `tarmac machine run 127.0.0.1:PORT/app:v1` against a real registry: the image is pulled
/// on create when it is not in the local store.
@Suite("Machines from a registry (real docker-registry)", .serialized)
struct RegistryMachineTests {
    @Test("an image pushed to a local registry and absent locally is pulled when a machine is created")
    func runFromRegistry() async throws {
        let registry = try LocalRegistry()
        try await registry.start()
        defer { registry.stop() }
        try await DevInstance.with { dev in
            try dev.importBusybox()
            let push = try dev.cli(["image", "push", "busybox-test:latest", "\(registry.host)/app:v1"])
            #expect(push.status == 0, "\(push.stderr)")
            let remove = try dev.cli(["image", "rm", "busybox-test:latest"])
            #expect(remove.status == 0, "\(remove.stderr)")

            try await dev.createApp("pulled")
            let run = try dev.cli(["machine", "run", "\(registry.host)/app:v1", "-a", "pulled", "--cmd", "httpd -f -p 8080 -h /www", "--json"])
            #expect(run.status == 0, "\(run.stderr)")
            let machine = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
            #expect(machine["state"] as? String == "started")
            let imageRef = try #require(machine["image_ref"] as? [String: Any])
            #expect(imageRef["registry"] as? String == registry.host)
            #expect(imageRef["repository"] as? String == "app")
            #expect(imageRef["tag"] as? String == "v1")
            #expect((imageRef["digest"] as? String)?.hasPrefix("sha256:") == true)
            // The pull shows in the machine's events: launch/pulling, then launch/pulled (all
            // bytes, every layer), both before the start.
            let id = try #require(machine["id"] as? String)
            let events = try await dev.events(app: "pulled", id: id)
            let kinds = events.map { "\($0["type"] as? String ?? "")/\($0["status"] as? String ?? "")" }
            #expect(kinds.contains("launch/pulling"), "\(kinds)")
            let pulled = try #require(events.first { $0["status"] as? String == "pulled" }, "\(kinds)")
            let request = try #require(pulled["request"] as? [String: Any])
            #expect((request["layers_total"] as? Int ?? 0) >= 1)
            #expect(request["layers_done"] as? Int == request["layers_total"] as? Int)
            #expect(request["bytes_completed"] as? Int == request["bytes_total"] as? Int)
            #expect(request["image"] as? String == "\(registry.host)/app:v1")
            let startIndex = try #require(kinds.firstIndex(of: "start/started"), "\(kinds)")
            let pulledIndex = try #require(kinds.firstIndex(of: "launch/pulled"))
            #expect(startIndex < pulledIndex, "events are newest first: \(kinds)")
            let listed = try dev.cli(["events", id, "-a", "pulled"])
            #expect(listed.status == 0, "\(listed.stderr)")
            #expect(listed.stdout.contains("pulled") && listed.stdout.contains("layers="), "\(listed.stdout)")

            let ip = try #require(machine["private_ip"] as? String)
            #expect(try await HTTPFetch.text("http://\(ip):8080/index.html") == "hello from tarmac\n")

            // A tag the registry does not have is a 422 naming the image, and leaves nothing.
            let (status, body) = try await dev.json("POST", "/v1/apps/pulled/machines", body: ["config": ["image": "\(registry.host)/app:nope"]])
            #expect(status == 422)
            #expect((body?["error"] as? String)?.contains("config.image") == true)
            let (_, list) = try await dev.jsonArray("GET", "/v1/apps/pulled/machines")
            #expect(list.count == 1)
        }
    }

    @Test("a pull that fails during launch is a launch failure event naming the image")
    func pullFailureFailsTheLaunch() async throws {
        let registry = try LocalRegistry()
        try await registry.start()
        defer { registry.stop() }
        try await DevInstance.with { dev in
            try dev.importBusybox()
            let push = try dev.cli(["image", "push", "busybox-test:latest", "\(registry.host)/gone:v1"])
            #expect(push.status == 0, "\(push.stderr)")
            #expect(try dev.cli(["image", "rm", "busybox-test:latest"]).status == 0)
            try await dev.createApp("gone")
            // Created without launching: the manifest is resolved, no layer downloaded yet.
            let machine = try await dev.createMachine(app: "gone", body: [
                "config": ["image": "\(registry.host)/gone:v1", "init": ["cmd": ["sleep", "60"]]], "skip_launch": true,
            ])
            let id = try #require(machine["id"] as? String)
            registry.stop()
            let (status, _) = try await dev.json("POST", "/v1/apps/gone/machines/\(id)/start")
            #expect(status == 200)
            let failed = try await dev.eventually {
                try await dev.events(app: "gone", id: id).contains { $0["type"] as? String == "launch" && $0["status"] as? String == "failed" }
            }
            #expect(failed)
            let events = try await dev.events(app: "gone", id: id)
            let failure = try #require(events.first { $0["status"] as? String == "failed" })
            let error = (failure["request"] as? [String: Any])?["error"] as? String ?? ""
            #expect(error.contains("pulling image \(registry.host)/gone:v1"), "\(error)")
            #expect(events.contains { $0["status"] as? String == "pulling" })
        }
    }
}

/// A pull that runs during a machine's launch does not hold up its other commands: stop and
/// destroy during a slow pull answer at once, cancel it, and leave no partial layer behind.
@Suite("Commands during a pull (real docker-registry behind a slow proxy)", .serialized)
struct PullCancellationTests {
    @Test("stop and destroy during a pull answer at once and leave no partial layer")
    func stopAndDestroyDuringAPull() async throws {
        let registry = try LocalRegistry()
        try await registry.start()
        defer { registry.stop() }
        let proxy = try ThrottlingProxy(targetPort: registry.port, bytesPerSecond: 256 * 1024)
        defer { proxy.stop() }
        try await DevInstance.with { dev in
            // A 6 MiB layer of random bytes: ~24 s through the proxy.
            let source = dev.dataDirectory.appendingPathComponent("big-src")
            try FileManager.default.createDirectory(at: source, withIntermediateDirectories: true)
            var generator = SystemRandomNumberGenerator()
            let bytes = (0..<(6 << 20) / 8).flatMap { _ in withUnsafeBytes(of: generator.next() as UInt64) { Array($0) } }
            try Data(bytes).write(to: source.appendingPathComponent("blob.bin"))
            #expect(try dev.cli(["image", "import", source.path, "big:v1", "--cmd", "sleep 1000"]).status == 0)
            let push = try dev.cli(["image", "push", "big:v1", "\(registry.host)/big:v1"])
            #expect(push.status == 0, "\(push.stderr)")
            #expect(try dev.cli(["image", "rm", "big:v1"]).status == 0)
            try await dev.createApp("slow")
            let images = dev.dataDirectory.appendingPathComponent("images")

            func startPulling() async throws -> String {
                let machine = try await dev.createMachine(app: "slow", body: ["config": ["image": "\(proxy.host)/big:v1", "restart": ["policy": "no"]]])
                let id = try #require(machine["id"] as? String)
                #expect(try await dev.eventually {
                    try await dev.events(app: "slow", id: id).contains { $0["status"] as? String == "pulling" }
                }, "the pull started")
                return id
            }
            func nothingPartial() throws -> Bool {
                let staged = (try? FileManager.default.contentsOfDirectory(atPath: images.appendingPathComponent("tmp").path)) ?? []
                let blobs = FileManager.default.enumerator(atPath: images.appendingPathComponent("blobs").path)?.compactMap { $0 as? String } ?? []
                let big = try blobs.filter { name in
                    let size = try FileManager.default.attributesOfItem(atPath: images.appendingPathComponent("blobs/\(name)").path)[.size] as? Int ?? 0
                    return size > 1 << 20
                }
                return staged.isEmpty && big.isEmpty
            }

            let stopped = try await startPulling()
            var began = ContinuousClock.now
            let (stop, stopBody) = try await dev.json("POST", "/v1/apps/slow/machines/\(stopped)/stop")
            #expect(stop == 200, "\(String(describing: stopBody))")
            #expect(ContinuousClock.now - began < .seconds(2), "stop answered at once")
            _ = try await dev.wait(app: "slow", id: stopped, state: "stopped", timeout: 10)
            #expect(try await dev.eventually(timeout: .seconds(5)) { try nothingPartial() }, "no partial layer after the stop")

            let destroyed = try await startPulling()
            began = ContinuousClock.now
            #expect(try await dev.request("DELETE", "/v1/apps/slow/machines/\(destroyed)?force=true").0 == 200)
            #expect(ContinuousClock.now - began < .seconds(2), "destroy answered at once")
            _ = try await dev.wait(app: "slow", id: destroyed, state: "destroyed", timeout: 10)
            #expect(try await dev.eventually(timeout: .seconds(5)) { try nothingPartial() }, "no partial layer after the destroy")
        }
    }
}
