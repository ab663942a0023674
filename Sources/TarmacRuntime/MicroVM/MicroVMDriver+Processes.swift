import Foundation
import TarmacGuestProtocol
import TarmacModel
import TarmacSystem
#if canImport(Glibc)
import Glibc
#endif

extension MicroVMDriver {
    /// The guest's processes, from tarmac-init's /proc over the control channel. Start
    /// times are guest ticks since its boot, placed on the host clock at QEMU's start (the
    /// guest boots right after), so `stime`/`rtime` are accurate to the boot time. The guest
    /// protocol does not report sockets: `listen_sockets` is empty.
    public func processes(_ handle: RuntimeHandle) async throws -> [ProcessStat] {
        let layout = try layout(for: handle)
        let qemu = process(of: handle)
        guard qemu.isRunning else { throw RuntimeError(.notRunning, "machine \(handle.machineID) is not running") }
        let list: [GuestProcess]
        do {
            list = try await channel(handle, layout).processes()
        } catch let error as RuntimeError where error.code == .notRunning {
            await channels.drop(controlSocket(of: handle, layout))
            throw error
        }
        let ticks = Int64(max(1, sysconf(Int32(_SC_CLK_TCK))))
        let boot = ProcFile.read("/proc/stat").flatMap(ProcTables.bootTime) ?? 0
        let guestBoot = boot * 1000 + Int64(qemu.startTime) * 1000 / ticks
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        return list.map { process in
            let started = guestBoot + process.startTicks * 1000 / ticks
            return ProcessStat(
                pid: process.pid, stime: started, rtime: max(0, now - started), command: process.command,
                directory: process.directory, cpu: process.cpuTicks * 1000 / ticks, rss: process.rssBytes, listenSockets: [])
        }
    }
}
