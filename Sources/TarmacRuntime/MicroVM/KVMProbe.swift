import Foundation
import TarmacSystem
#if canImport(Glibc)
import Glibc
#endif

/// Finds out whether KVM really works here by booting a tiny guest with it: on a host that
/// is itself a VM, `/dev/kvm` may exist and `KVM_CREATE_VM` succeed while every guest hangs
/// when it enters protected mode. The probe boots the real guest kernel with an initramfs
/// whose init prints a marker and powers off, under a deadline; a guest that does not
/// finish in time is killed and TCG is used. The verdict is cached in a file keyed by the
/// guest kernel, the QEMU binary and the host kernel, so only the first start pays.
public enum KVMProbe {
    public struct Verdict: Sendable, Hashable, Codable {
        public var kvmUsable: Bool
        /// Why, for humans: "KVM probe timed out after 4 s: …; using TCG".
        public var reason: String
        /// What the verdict is valid for (kernel, QEMU, host).
        public var key: String
    }

    static let marker = "TARMAC-KVM-PROBE-OK"

    /// The cached verdict when its key still matches, else a fresh probe (written back).
    /// The verdict is kept next to the guest artefacts (one probe per host, whatever data
    /// directory an agent uses), or in `cacheDirectory` when that is not writable.
    public static func verdict(guest: GuestArtifacts, qemu: String, cacheDirectory: String, timeout: Duration) async -> Verdict {
        let key = cacheKey(guest: guest, qemu: qemu)
        let candidates = ["\(guest.directory)/kvm-probe.json", "\(cacheDirectory)/kvm-probe.json"]
        for file in candidates {
            if let data = FileManager.default.contents(atPath: file),
               let cached = try? JSONDecoder().decode(Verdict.self, from: data), cached.key == key {
                return cached
            }
        }
        let verdict = await probe(guest: guest, qemu: qemu, timeout: timeout, key: key)
        if let data = try? JSONEncoder().encode(verdict) {
            try? FileManager.default.createDirectory(atPath: cacheDirectory, withIntermediateDirectories: true)
            for file in candidates where (try? data.write(to: URL(fileURLWithPath: file), options: .atomic)) != nil { break }
        }
        return verdict
    }

    static func cacheKey(guest: GuestArtifacts, qemu: String) -> String {
        var name = utsname()
        uname(&name)
        let release = withUnsafeBytes(of: name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let qemuPath = (try? Command.resolve(qemu)) ?? qemu
        return "guest=\(guest.kernelIdentity) qemu=\(GuestArtifacts.fingerprint(qemuPath)) host=\(release)"
    }

    /// Boots the probe guest once, never longer than `timeout` (plus the kill).
    static func probe(guest: GuestArtifacts, qemu: String, timeout: Duration, key: String) async -> Verdict {
        func tcg(_ why: String) -> Verdict { Verdict(kvmUsable: false, reason: "\(why); using TCG", key: key) }
        guard FileManager.default.fileExists(atPath: "/dev/kvm") else { return tcg("no /dev/kvm on this host") }
        let fd = open("/dev/kvm", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return tcg("cannot open /dev/kvm (\(String(cString: strerror(errno))))") }
        close(fd)
        guard guest.exist else { return tcg("the guest kernel is missing in \(guest.directory)") }
        guard let qemuPath = try? Command.resolve(qemu) else { return tcg("\(qemu) is not installed") }
        guard let busybox = try? Command.resolve("busybox"), let busyboxBytes = FileManager.default.contents(atPath: busybox) else {
            return tcg("busybox (static) is needed to build the KVM probe guest and is missing")
        }

        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("tarmac-kvm-probe-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var archive = CpioWriter()
        archive.directory("bin")
        archive.directory("proc")
        archive.directory("dev")
        archive.file("bin/busybox", contents: Array(busyboxBytes), mode: 0o755)
        archive.file("init", contents: Array("#!/bin/busybox sh\n/bin/busybox echo \(marker)\n/bin/busybox poweroff -f\n".utf8), mode: 0o755)
        let initrd = "\(scratch)/probe.cpio", console = "\(scratch)/console.log"
        do {
            try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
            try ScratchFile.write(archive.finish(), to: initrd)
        } catch {
            return tcg("cannot write the probe initramfs: \(error)")
        }
        let arguments = QEMUArguments(
            name: "tarmac-kvm-probe", accelerator: .kvm, cpus: 1, memoryMB: 128, kernel: guest.kernel, initrd: initrd,
            kernelCommandLine: QEMUArguments.kernelCommandLine(accelerator: .kvm, tscKHz: nil, extra: []),
            rootDisk: nil, tap: nil, mac: nil, controlSocket: nil, exitFile: nil, consoleLog: console,
            qmpSocket: nil, pidFile: nil, daemonize: false
        ).arguments
        let began = ContinuousClock.now
        let pid: pid_t
        do {
            pid = try Spawn.launch(qemuPath, arguments, fileActions: [.null(0), .null(1), .null(2)])
        } catch {
            return tcg("cannot start \(qemu) for the KVM probe: \(error)")
        }
        let seconds = Self.seconds(timeout)
        guard case .ended(let ended)? = await ProcessExitMonitor.shared.waitForExit(of: pid, reap: true, timeout: timeout),
              let termination = ended ?? Spawn.poll(pid) else {
            kill(pid, SIGKILL)
            _ = await ProcessExitMonitor.shared.waitForExit(of: pid, reap: true, timeout: .seconds(5))
            return tcg("KVM probe timed out after \(seconds) s: nested KVM does not work here")
        }
        let output = (try? String(contentsOfFile: console, encoding: .utf8)) ?? ""
        guard termination.succeeded, output.contains(marker) else {
            let last = output.split(separator: "\n").suffix(2).joined(separator: " / ")
            return tcg("KVM probe guest failed (\(termination)) \(last.isEmpty ? "" : ": \(last)")")
        }
        let took = ContinuousClock.now - began
        return Verdict(kvmUsable: true, reason: "KVM probe booted a guest in \(took.components.seconds * 1000 + took.components.attoseconds / 1_000_000_000_000_000) ms; using KVM", key: key)
    }

    static func seconds(_ duration: Duration) -> String {
        let value = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }
}
