import Foundation
import Testing
@testable import TarmacRuntime

@Suite struct OCISpecBuilderTests {
    func input(env: [String] = ["FOO=bar"], cwd: String = "/app", user: ImageUser = .root, cpus: Int = 2, memoryMB: Int = 256,
               swap: Bool = true, netns: String? = "/var/run/netns/tarmac-abc") -> OCISpecBuilder.Input {
        OCISpecBuilder.Input(
            process: ProcessSpec(args: ["/bin/server", "--port", "8080"], env: env, workingDirectory: cwd, user: ""),
            user: user, hostname: "web-1", rootfsPath: "rootfs", networkNamespacePath: netns, cgroupsPath: "/tarmac/abc",
            cpus: cpus, memoryMB: memoryMB, swapAccounting: swap, resolvConfPath: "/m/bundle/etc/resolv.conf",
            hostsPath: "/m/bundle/etc/hosts", hostnamePath: "/m/bundle/etc/hostname"
        )
    }

    @Test func processFields() {
        let spec = OCISpecBuilder.build(input())
        #expect(spec.process.args == ["/bin/server", "--port", "8080"])
        #expect(spec.process.cwd == "/app")
        #expect(spec.process.terminal == false)
        #expect(spec.process.user == OCISpec.User(uid: 0, gid: 0, additionalGids: nil))
        #expect(spec.process.env == [OCISpecBuilder.defaultPath, "FOO=bar"])
        #expect(spec.process.capabilities.effective == OCISpecBuilder.defaultCapabilities)
        #expect(spec.process.capabilities.bounding.contains("CAP_NET_BIND_SERVICE"))
        #expect(spec.hostname == "web-1")
        #expect(spec.root == OCISpec.Root(path: "rootfs", readonly: false))
    }

    @Test(arguments: [
        (["A=1", "PATH=/bin"], ["A=1", "PATH=/bin"]),
        (["A=1", "B=2", "A=3"], [OCISpecBuilder.defaultPath, "A=3", "B=2"]),
        (["PATH=/x", "PATH=/y"], ["PATH=/y"]),
        (["=bad", "EMPTY="], [OCISpecBuilder.defaultPath, "EMPTY="]),
        ([], [OCISpecBuilder.defaultPath]),
    ])
    func environment(entries: [String], expected: [String]) {
        #expect(OCISpecBuilder.environment(entries) == expected)
    }

    @Test(arguments: [("", "/"), ("/", "/"), ("srv", "/srv"), ("/data/app", "/data/app")])
    func workingDirectory(input: String, expected: String) {
        #expect(OCISpecBuilder.workingDirectory(input) == expected)
    }

    @Test func nonRootUserStartsWithoutEffectiveCapabilities() {
        let spec = OCISpecBuilder.build(input(user: ImageUser(uid: 1000, gid: 1000, additionalGids: [27])))
        #expect(spec.process.user == OCISpec.User(uid: 1000, gid: 1000, additionalGids: [27]))
        #expect(spec.process.capabilities.effective.isEmpty)
        #expect(spec.process.capabilities.permitted.isEmpty)
        #expect(spec.process.capabilities.bounding == OCISpecBuilder.defaultCapabilities)
    }

    @Test func resources() {
        let spec = OCISpecBuilder.build(input())
        #expect(spec.linux.cgroupsPath == "/tarmac/abc")
        #expect(spec.linux.resources.memory == OCISpec.Memory(limit: 256 * 1_048_576, swap: 256 * 1_048_576))
        #expect(spec.linux.resources.cpu == OCISpec.CPU(quota: 200_000, period: 100_000))
        #expect(spec.linux.resources.devices == [OCISpec.DeviceRule(allow: false, access: "rwm")])

        let noSwap = OCISpecBuilder.build(input(swap: false))
        #expect(noSwap.linux.resources.memory?.swap == nil)
        let unlimited = OCISpecBuilder.build(input(cpus: 0, memoryMB: 0))
        #expect(unlimited.linux.resources.memory == nil)
        #expect(unlimited.linux.resources.cpu == nil)
    }

    @Test func namespacesAndMounts() {
        let spec = OCISpecBuilder.build(input())
        #expect(spec.linux.namespaces.map(\.type) == ["pid", "ipc", "uts", "mount", "network"])
        #expect(spec.linux.namespaces.last?.path == "/var/run/netns/tarmac-abc")
        #expect(OCISpecBuilder.build(input(netns: nil)).linux.namespaces.last?.path == nil)
        let destinations = spec.mounts.map(\.destination)
        for expected in ["/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/etc/resolv.conf", "/etc/hosts", "/etc/hostname"] {
            #expect(destinations.contains(expected))
        }
        let resolv = spec.mounts.first { $0.destination == "/etc/resolv.conf" }
        #expect(resolv?.source == "/m/bundle/etc/resolv.conf")
        #expect(resolv?.type == "bind")
        #expect(resolv?.options.contains("ro") == true)
    }

    @Test func encodesWithoutNulls() throws {
        let data = try JSONEncoder().encode(OCISpecBuilder.build(input(swap: false, netns: nil)))
        let text = String(decoding: data, as: UTF8.self)
        #expect(!text.contains("null"))
        #expect(text.contains("\"ociVersion\":\"1.0.2\""))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let linux = try #require(object["linux"] as? [String: Any])
        let namespaces = try #require(linux["namespaces"] as? [[String: Any]])
        #expect(namespaces.allSatisfy { $0["path"] == nil })
    }

    @Test func etcFiles() {
        #expect(ContainerDriver.resolvConf(nameservers: ["10.0.0.1", "1.1.1.1"]) == "nameserver 10.0.0.1\nnameserver 1.1.1.1\n")
        let hosts = ContainerDriver.hostsFile(hostname: "web-1", address: "172.30.0.5")
        #expect(hosts.contains("127.0.0.1\tlocalhost\n"))
        #expect(hosts.hasSuffix("172.30.0.5\tweb-1\n"))
        #expect(ContainerDriver.hostsFile(hostname: "solo", address: "").hasSuffix("127.0.1.1\tsolo\n"))
    }
}

@Suite struct ImageUserTests {
    let passwd = """
        root:x:0:0:root:/root:/bin/sh
        daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
        # a comment
        app:x:1000:1001::/home/app:/bin/sh
        broken-line
        """
    let group = """
        root:x:0:
        daemon:x:1:app
        app:x:1001:
        staff:x:50:app,other
        wheel:x:10:root
        """

    struct Case: Sendable, CustomTestStringConvertible {
        var user: String
        var uid: UInt32
        var gid: UInt32
        var additional: [UInt32]
        var testDescription: String { "\"\(user)\"" }
    }

    @Test(arguments: [
        Case(user: "", uid: 0, gid: 0, additional: [10]),
        Case(user: "root", uid: 0, gid: 0, additional: [10]),
        Case(user: "app", uid: 1000, gid: 1001, additional: [1, 50]),
        Case(user: "1000", uid: 1000, gid: 1001, additional: [1, 50]),
        Case(user: "4242", uid: 4242, gid: 0, additional: []),
        Case(user: "app:staff", uid: 1000, gid: 50, additional: []),
        Case(user: "app:7", uid: 1000, gid: 7, additional: []),
        Case(user: "33:33", uid: 33, gid: 33, additional: []),
        Case(user: "daemon", uid: 1, gid: 1, additional: []),
    ])
    func resolves(_ item: Case) throws {
        let user = try ImageUser.resolve(item.user, passwd: passwd, group: group)
        #expect(user == ImageUser(uid: item.uid, gid: item.gid, additionalGids: item.additional))
    }

    @Test func numericIDsNeedNoFiles() throws {
        #expect(try ImageUser.resolve("1000:1000", passwd: nil, group: nil) == ImageUser(uid: 1000, gid: 1000))
        #expect(try ImageUser.resolve("", passwd: nil, group: nil) == .root)
    }

    @Test(arguments: ["nobody", "app:nogroup", "ghost:1"])
    func unknownNamesFail(user: String) {
        #expect(throws: RuntimeError.self) { try ImageUser.resolve(user, passwd: passwd, group: group) }
    }
}
