import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The shim's end of the control socket: reads the driver's command lines, writes replies.
struct ShimChannel {
    var socket: Int32

    func readCommand() -> String? {
        var line: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = read(socket, &byte, 1)
            if count == 1 {
                if byte == UInt8(ascii: "\n") { return String(decoding: line, as: UTF8.self) }
                line.append(byte)
            } else if count == -1 && errno == EINTR {
                continue
            } else {
                return nil
            }
        }
    }

    func reply(_ line: String) {
        let single = line.replacingOccurrences(of: "\n", with: " ") + "\n"
        var bytes = Array(single.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written > 0 {
                bytes = bytes.dropFirst(written)
            } else if written == -1 && errno == EINTR {
                continue
            } else {
                return
            }
        }
    }

    func close() {
        _ = Glibc.close(socket)
    }
}
