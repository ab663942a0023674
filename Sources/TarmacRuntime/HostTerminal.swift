import CTarmacLinux
import Foundation
import Synchronization
import TarmacSystem
#if canImport(Glibc)
import Glibc
#endif

/// A program on a new pseudo-terminal of the host, as an interactive `ConsoleSession`: the
/// program gets the terminal's slave as stdin, stdout and stderr (a program such as
/// `setsid --ctty` makes it its controlling terminal); the agent keeps the master. One thread
/// per session reads the master and reaps the program (it blocks in `poll`).
enum HostTerminal {
    /// How long a write waits for room in the terminal before the rest of it is dropped.
    static let writeWait: Int32 = 2_000

    static func start(program: String, arguments: [String], rows: UInt16, columns: UInt16) throws(RuntimeError) -> ConsoleSession {
        var slave: Int32 = -1
        let master = tarmac_open_pty(rows, columns, &slave)
        guard master >= 0 else { throw RuntimeError(.internalError, "cannot open a terminal: \(String(cString: strerror(errno)))") }
        let pid: pid_t
        do {
            pid = try Spawn.launch(program, arguments, fileActions: [
                .duplicate(slave, to: 0), .duplicate(slave, to: 1), .duplicate(slave, to: 2), .closeFrom(3),
            ])
        } catch {
            close(master)
            close(slave)
            throw RuntimeError(.internalError, "cannot start \(program): \(error)")
        }
        close(slave)
        let descriptor = Descriptor(master)
        let (events, continuation) = AsyncStream.makeStream(of: ConsoleEvent.self, bufferingPolicy: .unbounded)
        let thread = Thread { pump(master: master, pid: pid, descriptor: descriptor, continuation: continuation) }
        thread.name = "tarmac-console"
        thread.start()
        return ConsoleSession(
            events: events,
            write: { bytes in descriptor.write(bytes) },
            resize: { rows, columns in descriptor.resize(rows: rows, columns: columns) },
            close: { descriptor.hangUp(pid) })
    }

    /// The master, closed by the pump once the program is reaped; writers check it under
    /// the lock so they never write to a number reused by another file.
    final class Descriptor: Sendable {
        private let fd: Mutex<Int32>

        init(_ fd: Int32) { self.fd = Mutex(fd) }

        func write(_ bytes: [UInt8]) {
            fd.withLock { fd in
                guard fd >= 0 else { return }
                var offset = 0
                while offset < bytes.count {
                    let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress.map { $0 + offset }, $0.count - offset) }
                    if written > 0 {
                        offset += written
                    } else if written < 0 && errno == EINTR {
                        continue
                    } else if written < 0 && errno == EAGAIN {
                        var poller = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                        guard poll(&poller, 1, HostTerminal.writeWait) > 0 else { return }
                    } else {
                        return
                    }
                }
            }
        }

        func resize(rows: UInt16, columns: UInt16) {
            fd.withLock { fd in
                if fd >= 0 { _ = tarmac_set_window_size(fd, rows, columns) }
            }
        }

        private let reaped = Mutex(false)

        /// SIGHUP to the program, unless it was reaped already (its pid may be reused then).
        func hangUp(_ pid: pid_t) {
            reaped.withLock { reaped in
                if !reaped { kill(pid, SIGHUP) }
            }
        }

        /// Reaps the program if it has ended, under the lock `hangUp` takes.
        func reap(_ pid: pid_t) -> Spawn.Termination? {
            reaped.withLock { reaped in
                guard let ended = Spawn.poll(pid) else { return nil }
                reaped = true
                return ended
            }
        }

        func close() {
            fd.withLock { fd in
                if fd >= 0 { Glibc.close(fd) }
                fd = -1
            }
        }
    }

    /// Forwards the terminal's output until the program has ended, then its exit status.
    /// `runc exec` reports a command killed by signal N as status 128 + N.
    private static func pump(master: Int32, pid: pid_t, descriptor: Descriptor, continuation: AsyncStream<ConsoleEvent>.Continuation) {
        var buffer = [UInt8](repeating: 0, count: 32 << 10)
        var reading = true
        var ended: Spawn.Termination?
        func drain() {
            while reading {
                let count = buffer.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
                if count > 0 {
                    continuation.yield(.output(Array(buffer.prefix(count))))
                } else if count < 0 && errno == EINTR {
                    continue
                } else if count < 0 && errno == EAGAIN {
                    return
                } else {
                    reading = false  // EIO: no writer holds the terminal any more
                }
            }
        }
        while ended == nil {
            var poller = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            _ = poll(&poller, reading ? 1 : 0, 100)
            drain()
            ended = descriptor.reap(pid)
        }
        drain()
        descriptor.close()
        switch ended {
        case .exited(let code) where code > 128 && code <= 128 + 64: continuation.yield(.exit(code: 0, signal: Int(code) - 128))
        case .exited(let code): continuation.yield(.exit(code: Int(code), signal: 0))
        case .signaled(let signal): continuation.yield(.exit(code: 0, signal: Int(signal)))
        case nil: break
        }
        continuation.finish()
    }
}
