import CTarmacInit
import Glibc

/// The end of every boot: stop what is left, flush the disks, power off. QEMU runs with
/// `-no-reboot`, so power-off (or a panic, with `panic=-1`) ends the VM.
enum Shutdown {
    /// How long leftover processes get between SIGTERM and SIGKILL.
    static let grace: Duration = .seconds(1)

    static func powerOff() -> Never {
        if stopAll(SIGTERM, wait: grace) == false { _ = stopAll(SIGKILL, wait: .seconds(1)) }
        sync()
        unmountAll()
        sync()
        Console.debug("powering off")
        _ = tarmac_power_off()
        // Power-off does not return; if it did, a panic ends the VM (panic=-1 reboots, -no-reboot exits).
        Console.error("power-off failed: \(String(cString: strerror(errno)))")
        exit(1)
    }

    /// Signals every process but init and reaps until none is left or `wait` passed;
    /// true when none is left.
    private static func stopAll(_ signal: Int32, wait: Duration) -> Bool {
        guard kill(-1, signal) == 0 || errno != ESRCH else { return true }
        let done = Deadline.poll(timeout: wait, interval: .milliseconds(5)) { () -> Bool? in
            var status: Int32 = 0
            while true {
                let pid = waitpid(-1, &status, WNOHANG)
                if pid > 0 { continue }
                if pid < 0 && errno == ECHILD { return true }
                return nil
            }
        }
        return done != nil
    }

    /// Unmounts in reverse mount order; the root (and anything busy) is remounted read-only.
    private static func unmountAll() {
        guard let text = FileSystem.readText("/proc/mounts") else { return }
        let targets = text.split(whereSeparator: \.isNewline).compactMap { line -> String? in
            let fields = line.split(separator: " ")
            return fields.count > 1 ? String(fields[1]).replacingOctalEscapes : nil
        }
        for target in targets.reversed() where target != "/" {
            if umount2(target, 0) != 0 { _ = mount(nil, target, nil, UInt(MS_REMOUNT | MS_RDONLY), nil) }
        }
        _ = mount(nil, "/", nil, UInt(MS_REMOUNT | MS_RDONLY), nil)
    }
}

extension String {
    /// /proc/mounts writes spaces and such as `\040`.
    var replacingOctalEscapes: String {
        guard contains("\\") else { return self }
        var bytes: [UInt8] = []
        let source = Array(utf8)
        var index = 0
        while index < source.count {
            if source[index] == UInt8(ascii: "\\"), index + 3 < source.count,
               let value = UInt8(String(decoding: source[index + 1...index + 3], as: UTF8.self), radix: 8) {
                bytes.append(value)
                index += 4
            } else {
                bytes.append(source[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
