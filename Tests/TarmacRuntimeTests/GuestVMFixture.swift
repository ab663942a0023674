import Foundation
import TarmacGuestProtocol
@testable import TarmacRuntime

/// Boots a real microVM for the env-gated guest tests: the artefacts of
/// `scripts/build-guest.sh` (TARMAC_GUEST_DIR, default /var/lib/tarmac/guest), a busybox
/// root disk, QEMU under TCG (nested KVM hangs on these hosts), no network.
struct GuestVMFixture {
    static let guestDirectory = ProcessInfo.processInfo.environment["TARMAC_GUEST_DIR"] ?? "/var/lib/tarmac/guest"

    /// Whether everything a boot needs is present.
    static var available: Bool {
        let files = ["\(guestDirectory)/vmlinux", "\(guestDirectory)/initrd.cpio", "/usr/bin/qemu-system-x86_64", "/bin/busybox", "/sbin/mkfs.ext4"]
        return files.allSatisfy { FileManager.default.fileExists(atPath: $0) }
    }

    let directory: String
    let process: Process

    var controlSocket: String { "\(directory)/control.sock" }
    var exitFile: String { "\(directory)/exit.1" }
    var consoleLog: String { (try? String(contentsOfFile: "\(directory)/console.log", encoding: .utf8)) ?? "" }

    /// Builds the disk and initramfs for `config` and starts QEMU.
    static func boot(_ config: GuestConfig, name: String) throws -> GuestVMFixture {
        let directory = "/tmp/tarmac-guestvm-\(getpid())-\(name)"
        try? FileManager.default.removeItem(atPath: directory)
        let root = "\(directory)/rootfs"
        for sub in ["bin", "etc", "proc", "sys", "dev", "tmp", "run", "home/app"] {
            try FileManager.default.createDirectory(atPath: "\(root)/\(sub)", withIntermediateDirectories: true)
        }
        try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: "\(root)/bin/busybox")
        for applet in ["sh", "echo", "cat", "sleep", "id", "ls", "true", "false", "kill", "ps", "trap", "env", "pwd"] {
            try FileManager.default.createSymbolicLink(atPath: "\(root)/bin/\(applet)", withDestinationPath: "busybox")
        }
        try "root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\n".write(toFile: "\(root)/etc/passwd", atomically: true, encoding: .utf8)
        try "root:x:0:\napp:x:1000:\nextra:x:2000:app\n".write(toFile: "\(root)/etc/group", atomically: true, encoding: .utf8)
        try run("/sbin/mkfs.ext4", ["-q", "-F", "-d", root, "\(directory)/root.img", "32M"])
        try MachineInitrd.assemble(base: "\(guestDirectory)/initrd.cpio", tail: MachineInitrd.configArchive(config), into: "\(directory)/initrd")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/qemu-system-x86_64")
        process.arguments = [
            "-M", "microvm,x-option-roms=off", "-nodefaults", "-no-user-config", "-nographic", "-no-reboot",
            "-accel", "tcg", "-cpu", "qemu64,+rdrand", "-m", "256", "-kernel", "\(guestDirectory)/vmlinux", "-initrd", "\(directory)/initrd",
            "-append", "console=ttyS0 quiet panic=-1 reboot=t tsc_early_khz=\(hostTSCKilohertz()) \(ProcessInfo.processInfo.environment["TARMAC_GUEST_CMDLINE"] ?? "")",
            "-serial", "file:\(directory)/console.log",
            "-drive", "if=none,id=root,file=\(directory)/root.img,format=raw", "-device", "virtio-blk-device,drive=root",
            "-device", "virtio-serial-device",
            "-chardev", "socket,id=ctl,path=\(directory)/control.sock,server=on,wait=off",
            "-device", "virtserialport,chardev=ctl,name=\(GuestProtocol.controlPort)",
            "-chardev", "file,id=ex,path=\(directory)/exit.1",
            "-device", "virtserialport,chardev=ex,name=\(GuestProtocol.exitPort)",
        ]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return GuestVMFixture(directory: directory, process: process)
    }

    /// Waits for QEMU to exit by itself; false on timeout (QEMU is then killed).
    func waitForExit(timeout: Duration) async throws -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        while process.isRunning {
            if clock.now >= deadline {
                process.terminate()
                return false
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return true
    }

    func cleanUp() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The host's TSC frequency, which TCG's guest TSC runs at: without it the guest kernel
    /// hangs calibrating against the PIT on these hosts (docs/microvm-guest.md).
    static func hostTSCKilohertz() -> Int {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        for line in cpuinfo.split(separator: "\n") where line.hasPrefix("cpu MHz") {
            if let value = line.split(separator: ":").last.flatMap({ Double($0.trimmingCharacters(in: .whitespaces)) }) {
                return Int(value * 1000)
            }
        }
        return 2_000_000
    }

    private static func run(_ tool: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw RuntimeError(.internalError, "\(tool) failed") }
    }
}
