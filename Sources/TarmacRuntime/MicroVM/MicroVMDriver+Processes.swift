import Foundation
import TarmacGuestProtocol
import TarmacModel

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
        let clock = ProcTables.Clock.current()
        let guestBoot = clock.epochMilliseconds(ticksAfterBoot: Int64(qemu.startTime))
        return list.map { process in
            let started = guestBoot + clock.milliseconds(ticks: process.startTicks)
            return ProcessStat(
                pid: process.pid, stime: started, rtime: clock.age(started), command: process.command,
                directory: process.directory, cpu: clock.milliseconds(ticks: process.cpuTicks), rss: process.rssBytes, listenSockets: [])
        }
    }
}
