import Foundation
import Testing
@testable import TarmacNetlink
#if canImport(Glibc)
import Glibc
#endif

/// rtnetlink encoding (pure) and the in-process namespace creation against the real kernel
/// (the tests run as root, like the container driver's).
@Suite struct NetlinkTests {
    @Test func attributesArePaddedToFourBytesAndStringsEndInNUL() {
        #expect(NetlinkMessage.attribute(3, string: "eth0") == [9, 0, 3, 0, 0x65, 0x74, 0x68, 0x30, 0, 0, 0, 0])
        #expect(NetlinkMessage.attribute(10, NetlinkMessage.le32(7)) == [8, 0, 10, 0, 7, 0, 0, 0])
        let message = NetlinkMessage.message(type: NetlinkMessage.newLink, flags: NetlinkMessage.request, sequence: 5, [1, 2, 3, 4])
        #expect(message == [20, 0, 0, 0, 16, 0, 1, 0, 5, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4])
        #expect(NetlinkMessage.interfaceInfo(index: 2, flags: 1, change: 1) == [0, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0])
    }

    @Test func addressesParseOrAreRefused() {
        #expect(IPAddress("10.1.2.3")?.bytes == [10, 1, 2, 3])
        #expect(IPAddress("::1")?.bytes.count == 16)
        #expect(IPAddress("10.1.2") == nil)
        #expect(IPAddress("not an address") == nil)
    }

    @Test func aNamespaceIsCreatedWithoutLeavingThisThreadsNamespace() throws {
        let directory = "/tmp/tarmac-netns-test-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = "\(directory)/one"
        defer {
            umount2(path, Int32(MNT_DETACH))
            unlink(path)
            umount2(directory, Int32(MNT_DETACH))
            rmdir(directory)
        }
        let before = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self/ns/net")
        var inside = try NetworkNamespace.create(at: path, runDirectory: directory)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/thread-self/ns/net") == before)
        // A fresh namespace has only `lo`, and it is down until someone brings it up.
        let loopback = try inside.linkIndex(name: "lo")
        #expect(loopback > 0)
        try inside.setUp(index: loopback)
        let missing = #expect(throws: NetlinkError.self) { _ = try inside.linkIndex(name: "eth0") }
        #expect(missing?.code == ENODEV)
        // The namespace's file exists: a second create there is refused and leaves it alone.
        let again = #expect(throws: NetlinkError.self) { _ = try NetworkNamespace.create(at: path, runDirectory: directory) }
        #expect(again?.code == EEXIST)
        #expect(FileManager.default.fileExists(atPath: path))
    }

    @Test func aMissingInterfaceOnTheHostIsAnErrorNamingIt() throws {
        var host = try NetlinkSocket()
        let error = #expect(throws: NetlinkError.self) { _ = try host.linkIndex(name: "tmnope0") }
        #expect(error?.description.contains("find interface tmnope0") == true)
    }
}
