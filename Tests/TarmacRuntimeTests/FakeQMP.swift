import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A scripted stand-in for QEMU's QMP socket: accepts one connection, greets (unless told
/// not to), and answers each command line with the lines `respond` returns for its
/// `execute` name — none to stay silent; `close` ends the connection instead.
final class FakeQMP: Sendable {
    enum Answer: Sendable {
        case lines([String])
        case close
    }

    let path: String
    private let listener: Int32
    private let commands = Mutex<[String]>([])

    init(path: String, greet: Bool = true, respond: @escaping @Sendable (String) -> Answer) throws {
        self.path = path
        listener = try TestUnixListener.listen(path: path, backlog: 1)
        let thread = Thread { [self] in serve(greet: greet, respond: respond) }
        thread.start()
    }

    /// The commands received so far, in order.
    var received: [String] { commands.withLock { $0 } }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        unlink(path)
    }

    private func serve(greet: Bool, respond: @Sendable (String) -> Answer) {
        let fd = TestUnixListener.accept(listener)
        guard fd >= 0 else { return }
        defer { close(fd) }
        if greet { write(fd, #"{"QMP": {"version": {"qemu": {"major": 7}}, "capabilities": []}}"#) }
        var pending: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard count > 0 else { return }
            pending += buffer.prefix(count)
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(pending[..<newline])
                pending.removeSubrange(...newline)
                guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                      let name = object["execute"] as? String else { continue }
                commands.withLock { $0.append(name) }
                switch respond(name) {
                case .lines(let lines): for line in lines { write(fd, line) }
                case .close: return
                }
            }
        }
    }

    private func write(_ fd: Int32, _ line: String) {
        let bytes = Array((line + "\n").utf8)
        _ = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    }
}
