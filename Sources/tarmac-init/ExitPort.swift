import Glibc
import TarmacGuestProtocol

/// The write-only `tarmac.exit` port, backed by a file on the host: the durable record of
/// how the main process ended. Written with a bounded wait, so init never hangs on it.
enum ExitPort {
    static func report(_ exit: GuestExit, device: String?) {
        guard let device else {
            Console.debug("no exit port; exit report only on the console")
            return
        }
        let fd = open(device, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else {
            Console.error("cannot open the exit port \(device): \(String(cString: strerror(errno)))")
            return
        }
        defer { close(fd) }
        let bytes = GuestMessage.exited(exit).syncFramed()
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(2)
        var offset = 0
        while offset < bytes.count && clock.now < deadline {
            let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress.map { $0 + offset }, $0.count - offset) }
            if written > 0 {
                offset += written
            } else if written < 0 && (errno == EAGAIN || errno == EINTR) {
                var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                _ = poll(&poller, 1, 50)
            } else {
                break
            }
        }
        if offset < bytes.count { Console.error("could not write the exit report to \(device)") }
    }
}
