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
            let ip = try #require(machine["private_ip"] as? String)
            let (data, _) = try await URLSession.shared.data(from: try #require(URL(string: "http://\(ip):8080/index.html")))
            #expect(String(decoding: data, as: UTF8.self) == "hello from tarmac\n")

            // A tag the registry does not have is a 422 naming the image, and leaves nothing.
            let (status, body) = try await dev.json("POST", "/v1/apps/pulled/machines", body: ["config": ["image": "\(registry.host)/app:nope"]])
            #expect(status == 422)
            #expect((body?["error"] as? String)?.contains("config.image") == true)
            let (_, list) = try await dev.jsonArray("GET", "/v1/apps/pulled/machines")
            #expect(list.count == 1)
        }
    }
}
