import Foundation
import TarmacGuestProtocol
import TarmacModel
import TarmacNet
import Testing
@testable import TarmacRuntime

struct CpioWriterTests {
    /// Parses a newc archive back into (name, mode, data) triples.
    static func parse(_ bytes: [UInt8]) throws -> [(name: String, mode: UInt32, data: [UInt8])] {
        var entries: [(String, UInt32, [UInt8])] = []
        var offset = 0
        func field(_ index: Int) throws -> UInt32 {
            let start = offset + 6 + index * 8
            return try #require(UInt32(String(decoding: bytes[start..<start + 8], as: UTF8.self), radix: 16))
        }
        while offset < bytes.count {
            #expect(String(decoding: bytes[offset..<offset + 6], as: UTF8.self) == "070701")
            let mode = try field(1), size = Int(try field(6)), nameSize = Int(try field(11))
            let name = String(decoding: bytes[(offset + 110)..<(offset + 110 + nameSize - 1)], as: UTF8.self)
            var cursor = (offset + 110 + nameSize + 3) / 4 * 4
            let data = Array(bytes[cursor..<cursor + size])
            cursor = (cursor + size + 3) / 4 * 4
            offset = cursor
            if name == "TRAILER!!!" { break }
            entries.append((name, mode, data))
        }
        return entries
    }

    @Test func writesAlignedNewcEntriesAndTrailer() throws {
        var writer = CpioWriter()
        writer.directory("tarmac")
        writer.file("/tarmac/config", contents: [1, 2, 3], mode: 0o600)
        writer.symlink("bin/sh", target: "busybox")
        let bytes = writer.finish()
        #expect(bytes.count % 4 == 0)
        let entries = try Self.parse(bytes)
        #expect(entries.map(\.name) == ["tarmac", "tarmac/config", "bin/sh"])
        #expect(entries[0].mode == 0o040755)
        #expect(entries[1].mode == 0o100600)
        #expect(entries[1].data == [1, 2, 3])
        #expect(entries[2].mode == 0o120777)
        #expect(entries[2].data == Array("busybox".utf8))
        #expect(String(decoding: bytes.suffix(124), as: UTF8.self).contains("TRAILER!!!"))
        #expect(writer.finish() == bytes) // idempotent
    }

    @Test func configArchiveCarriesTheEncodedConfig() throws {
        let config = GuestConfig(args: ["sh"], env: ["A=b"], workingDirectory: "/", user: "", hostname: "h", network: nil)
        let entries = try Self.parse(MachineInitrd.configArchive(config))
        let file = try #require(entries.first { "/" + $0.name == GuestProtocol.configPath })
        #expect(try GuestConfig(decoding: file.data) == config)
    }

    @Test func initrdIsReusedWhenTheBaseIsUnchanged() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tarmac-initrd-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let base = "\(directory)/base.cpio", target = "\(directory)/initrd.img"
        try Data(repeating: 7, count: 1026).write(to: URL(fileURLWithPath: base))
        #expect(try MachineInitrd.assemble(base: base, tail: [1, 2, 3, 4, 5, 6, 7, 8], into: target))
        #expect(!(try MachineInitrd.assemble(base: base, tail: [9, 9, 9, 9], into: target)))
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: target)))
        #expect(bytes.count == 1028 + 4)
        #expect(bytes[0..<1026].allSatisfy { $0 == 7 })
        #expect(bytes[1026..<1028] == [0, 0])
        #expect(Array(bytes[1028...]) == [9, 9, 9, 9])
    }
}

struct QEMUArgumentsTests {
    func make(_ accelerator: QEMUArguments.Accelerator) -> QEMUArguments {
        QEMUArguments(name: "tmvm/m1", accelerator: accelerator, cpus: 2, memoryMB: 256, kernel: "/g/vmlinux", initrd: "/m/initrd.img",
                      kernelCommandLine: QEMUArguments.kernelCommandLine(accelerator: accelerator, tscKHz: 2_596_144, extra: []),
                      rootDisk: "/m/vm/overlay.qcow2", tap: "tmvmv1234567", mac: "02:00:00:00:00:01",
                      controlSocket: "/m/vm/control.sock", exitFile: "/m/exits/i.exit", consoleLog: "/m/a,b.log",
                      qmpSocket: "/m/vm/qmp.sock", pidFile: "/m/vm/qemu.pid", daemonize: true)
    }

    @Test func tcgMachine() {
        let arguments = make(.tcg).arguments
        let line = arguments.joined(separator: " ")
        #expect(line.contains("-M microvm,x-option-roms=off -nodefaults -no-user-config -display none -no-reboot -accel tcg"))
        #expect(line.contains("-cpu qemu64,+rdrand"))
        #expect(line.contains("-smp 2 -m 256 -kernel /g/vmlinux -initrd /m/initrd.img"))
        let append = arguments[arguments.firstIndex(of: "-append").map { $0 + 1 } ?? 0]
        #expect(append == "console=ttyS0 quiet panic=-1 reboot=t tsc_early_khz=2596144")
        #expect(line.contains("-drive if=none,id=root,file=/m/vm/overlay.qcow2,format=qcow2"))
        #expect(line.contains("-netdev tap,id=n0,ifname=tmvmv1234567,script=no,downscript=no -device virtio-net-device,netdev=n0,mac=02:00:00:00:00:01"))
        #expect(line.contains("-chardev socket,id=control,path=/m/vm/control.sock,server=on,wait=off -device virtserialport,chardev=control,name=tarmac.control"))
        #expect(line.contains("-chardev file,id=exit,path=/m/exits/i.exit -device virtserialport,chardev=exit,name=tarmac.exit"))
        #expect(line.contains("path=/m/a,,b.log,append=on -serial chardev:console")) // commas doubled
        #expect(line.contains("-qmp unix:/m/vm/qmp.sock,server=on,wait=off -pidfile /m/vm/qemu.pid -daemonize"))
        #expect(!arguments.contains("rtc=off"))
    }

    @Test func kvmMachineUsesTheHostCPUWithoutArchCapabilities() {
        let arguments = make(.kvm).arguments
        #expect(arguments.contains("host,-arch-capabilities"))
        #expect(!arguments.joined(separator: " ").contains("tsc_early_khz"))
    }

    @Test func macAddressesAreStableLocallyAdministeredUnicast() throws {
        let mac = QEMUArguments.macAddress(machineID: "d8901e3f2f1238")
        #expect(mac == QEMUArguments.macAddress(machineID: "d8901e3f2f1238"))
        #expect(mac != QEMUArguments.macAddress(machineID: "d8901e3f2f1239"))
        let parts = mac.split(separator: ":")
        #expect(parts.count == 6 && parts.allSatisfy { $0.count == 2 })
        let first = try #require(UInt8(parts[0], radix: 16))
        #expect(first & 0x02 != 0 && first & 0x01 == 0)
    }

    @Test func tapNamesFitIFNAMSIZ() {
        for prefix in ["tarmac", "tmvm", "averyverylongprefix"] {
            let name = TapDevice.name(machineID: "d8901e3f2f1238", prefix: prefix)
            #expect(name.utf8.count <= 15)
            #expect(name != TapDevice.name(machineID: "d8901e3f2f1239", prefix: prefix))
        }
    }

    @Test func rootDiskSize() {
        let mib: UInt64 = 1 << 20
        #expect(RootDisk.diskSize(contentBytes: 10 * mib) == 1024 * mib)
        #expect(RootDisk.diskSize(contentBytes: 1000 * mib) == 1756 * mib)
    }
}

struct QMPMessageTests {
    @Test func encodesCommands() {
        #expect(String(decoding: QMPMessage.command("stop"), as: UTF8.self) == "{\"execute\":\"stop\"}\n")
        let migrate = String(decoding: QMPMessage.command("migrate", arguments: ["uri": .string("exec:cat > '/a/state'")]), as: UTF8.self)
        #expect(migrate.hasPrefix("{\"arguments\":{\"uri\":\"exec:cat > '\\/a\\/state'\"},\"execute\":\"migrate\"}") || migrate.hasPrefix("{\"arguments\":{\"uri\":\"exec:cat > '/a/state'\"},\"execute\":\"migrate\"}"))
        #expect(migrate.hasSuffix("\n"))
    }

    @Test func decodesReplies() {
        func decode(_ text: String) -> QMPMessage? { QMPMessage.decode(Array(text.utf8)) }
        #expect(decode("{\"QMP\": {\"version\": {}, \"capabilities\": []}}") == .greeting)
        #expect(decode("{\"return\": {}}") == .success(.object([:])))
        #expect(decode("{\"return\": {\"status\": \"paused\", \"running\": false}}")?.statusString == "paused")
        #expect(decode("{\"error\": {\"class\": \"GenericError\", \"desc\": \"nope\"}}") == .failure(errorClass: "GenericError", description: "nope"))
        #expect(decode("{\"event\": \"STOP\", \"timestamp\": {\"seconds\": 1}}") == .event("STOP"))
        #expect(decode("not json") == nil)
    }
}

extension QMPMessage {
    var statusString: String? {
        if case .success(let value) = self { return value.string("status") }
        return nil
    }
}
