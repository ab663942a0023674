import Foundation
import Synchronization
import TarmacGuestProtocol
#if canImport(Glibc)
import Glibc
#endif

/// A scripted stand-in for tarmac-init on a unix socket (QEMU's chardev in production):
/// accepts connections one at a time, sends `prelude` (to test resync), answers marked
/// hellos, and answers each request with what `respond` returns, after the given delay,
/// on a thread of its own so a slow answer does not hold up the others.
final class FakeGuest: Sendable {
    typealias Responder = @Sendable (GuestMessage) -> (delay: Duration, answer: GuestMessage)?

    let path: String
    private let listener: Int32
    private let connection = Mutex<Int32>(-1)
    private let seen = Mutex<[GuestMessage]>([])

    init(path: String, mainPID: Int32 = 42, prelude: [UInt8] = [], respond: @escaping Responder) throws {
        self.path = path
        listener = try TestUnixListener.listen(path: path)
        let thread = Thread { [self] in acceptLoop(mainPID: mainPID, prelude: prelude, respond: respond) }
        thread.start()
    }

    /// Requests received so far (hellos included).
    var received: [GuestMessage] { seen.withLock { $0 } }

    /// Drops the current connection (as QEMU does when the guest powers off).
    func disconnect() {
        connection.withLock { fd in
            if fd >= 0 { shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        disconnect()
        unlink(path)
    }

    func send(_ bytes: [UInt8]) {
        connection.withLock { fd in
            guard fd >= 0 else { return }
            _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
    }

    private func acceptLoop(mainPID: Int32, prelude: [UInt8], respond: @escaping Responder) {
        while true {
            let fd = TestUnixListener.accept(listener)
            guard fd >= 0 else { return }
            connection.withLock { $0 = fd }
            send(prelude)
            serve(fd, mainPID: mainPID, respond: respond)
            connection.withLock { $0 = -1 }
            close(fd)
        }
    }

    private func serve(_ fd: Int32, mainPID: Int32, respond: @escaping Responder) {
        var decoder = GuestStreamDecoder()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { return }
            decoder.append(buffer.prefix(count))
            while let payload = decoder.next() {
                guard let message = try? GuestMessage(decoding: payload) else { continue }
                seen.withLock { $0.append(message) }
                if case .hello = message {
                    send(GuestMessage.hello(version: GuestProtocol.version, mainPID: mainPID).syncFramed())
                } else if let (delay, answer) = respond(message) {
                    let thread = Thread { [self] in
                        Thread.sleep(forTimeInterval: Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18)
                        send(answer.framed())
                    }
                    thread.start()
                }
            }
        }
    }
}
