import Foundation
import TarmacGuestProtocol

/// The QEMU command line of one microVM, built from plain values (pure, unit-tested).
///
/// `-M microvm` with ACPI (the kernel finds the virtio-mmio devices as ACPI devices), no
/// option ROMs, no default devices, the kernel booted directly through PVH. QEMU runs as a
/// daemon (`-daemonize`: its own session, outliving the agent; the launching process returns
/// once QEMU's sockets exist), hence `-display none` instead of `-nographic`, which QEMU
/// refuses together with `-daemonize`.
struct QEMUArguments: Sendable, Hashable {
    enum Accelerator: String, Sendable, Hashable, Codable {
        case kvm, tcg
    }

    var name: String
    var accelerator: Accelerator
    var cpus: Int
    var memoryMB: Int
    var kernel: String
    var initrd: String
    var kernelCommandLine: String
    /// Root disk image (qcow2 overlay); nil boots from the initramfs alone (the KVM probe).
    var rootDisk: String?
    /// TAP device and the guest's MAC; nil = no network device.
    var tap: String?
    var mac: String?
    /// Unix socket of the guest control port (`tarmac.control`).
    var controlSocket: String?
    /// File the guest writes its exit report to (port `tarmac.exit`).
    var exitFile: String?
    /// File the serial console is appended to.
    var consoleLog: String
    var qmpSocket: String?
    var pidFile: String?
    var daemonize: Bool

    var arguments: [String] {
        var arguments = [
            "-name", name,
            "-M", "microvm,x-option-roms=off",
            "-nodefaults", "-no-user-config", "-display", "none", "-no-reboot",
            "-accel", accelerator.rawValue,
        ]
        // KVM: the host CPU (minus the MSR that aborts QEMU under nested KVM). TCG: an RDRAND
        // so the guest's CRNG is ready at once (without it, early getrandom() calls block
        // for about a second of an emulated boot).
        arguments += ["-cpu", accelerator == .kvm ? "host,-arch-capabilities" : "qemu64,+rdrand"]
        arguments += [
            "-smp", String(max(1, cpus)), "-m", String(max(64, memoryMB)),
            "-kernel", kernel, "-initrd", initrd, "-append", kernelCommandLine,
        ]
        if let rootDisk {
            arguments += [
                "-drive", "if=none,id=root,file=\(Self.escape(rootDisk)),format=qcow2,discard=unmap",
                "-device", "virtio-blk-device,drive=root",
            ]
        }
        if let tap {
            arguments += ["-netdev", "tap,id=n0,ifname=\(tap),script=no,downscript=no"]
            arguments += ["-device", "virtio-net-device,netdev=n0" + (mac.map { ",mac=\($0)" } ?? "")]
        }
        if controlSocket != nil || exitFile != nil {
            arguments += ["-device", "virtio-serial-device"]
        }
        if let controlSocket {
            arguments += [
                "-chardev", "socket,id=control,path=\(Self.escape(controlSocket)),server=on,wait=off",
                "-device", "virtserialport,chardev=control,name=\(GuestProtocol.controlPort)",
            ]
        }
        if let exitFile {
            arguments += [
                "-chardev", "file,id=exit,path=\(Self.escape(exitFile))",
                "-device", "virtserialport,chardev=exit,name=\(GuestProtocol.exitPort)",
            ]
        }
        arguments += ["-chardev", "file,id=console,path=\(Self.escape(consoleLog)),append=on", "-serial", "chardev:console"]
        if let qmpSocket { arguments += ["-qmp", "unix:\(Self.escape(qmpSocket)),server=on,wait=off"] }
        if let pidFile { arguments += ["-pidfile", pidFile] }
        if daemonize { arguments.append("-daemonize") }
        return arguments
    }

    /// QEMU option values separate key=value pairs with commas; a literal comma is doubled.
    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: ",", with: ",,")
    }

    /// The kernel command line: serial console, quiet (a verbose console slows TCG boots
    /// badly), no reboot on panic or power-off. Under TCG the guest cannot calibrate its TSC
    /// against the PIT when the host is busy and hangs early in boot; `tsc_early_khz` hands
    /// it the host's TSC frequency (TCG's TSC runs at the host's rate).
    static func kernelCommandLine(accelerator: Accelerator, tscKHz: Int?, extra: [String]) -> String {
        var parts = ["console=ttyS0", "quiet", "panic=-1", "reboot=t"]
        if accelerator == .tcg, let tscKHz, tscKHz > 0 { parts.append("tsc_early_khz=\(tscKHz)") }
        parts += extra
        return parts.joined(separator: " ")
    }

    /// A stable, locally administered unicast MAC derived from the machine id
    /// (`02:` + five bytes of an FNV-1a hash).
    static func macAddress(machineID: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in machineID.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        let bytes = [UInt8(0x02)] + (0..<5).map { UInt8(truncatingIfNeeded: hash >> (UInt64($0) * 8)) }
        return bytes.map { byte in
            let hex = String(byte, radix: 16)
            return hex.count == 1 ? "0" + hex : hex
        }.joined(separator: ":")
    }
}
