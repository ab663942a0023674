import Foundation
import TarmacGuestProtocol

/// The durable record of how a microVM's main process ended: what `tarmac-init` wrote to
/// the `tarmac.exit` virtio-serial port, which QEMU appends to a host file
/// (`-chardev file,id=ex,path=<machineDir>/exit.<instance>` +
/// `-device virtserialport,chardev=ex,name=tarmac.exit`).
///
/// Init writes each report as `GuestMessage.exited` behind the sync marker
/// (`GuestMessage.syncFramed()`), so a reader skips anything torn or foreign before it.
/// Normally there is exactly one; the last complete one wins.
public enum ExitReport {
    /// The last complete exit report in the file at `path`; nil when the file is missing or
    /// holds none (QEMU was killed, the guest crashed or never reached init).
    public static func read(path: String) -> GuestExit? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return decode([UInt8](data))
    }

    /// The last complete exit report in `bytes`.
    public static func decode(_ bytes: [UInt8]) -> GuestExit? {
        var decoder = GuestStreamDecoder()
        decoder.append(bytes)
        var last: GuestExit?
        while let payload = decoder.next() {
            if case .exited(let exit)? = try? GuestMessage(decoding: payload) { last = exit }
        }
        return last
    }
}
