import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import Synchronization

/// Drives a console WebSocket like a person at a terminal: each step sends keys (or a
/// resize) and waits until the terminal has printed what it expects. Tests only.
struct ConsoleScript {
    enum Step: Sendable {
        case keys(String, expect: String)
        case resize(rows: Int, columns: Int)
        /// Sends keys again every `interval` until the terminal prints `expect` (a Ctrl-C
        /// typed while the shell's line editor still holds the terminal is only a character).
        case repeatKeys(String, expect: String, interval: Duration)
    }

    struct Outcome {
        var transcript: String
        /// The server's final text message (`{"type":"exit",…}`), decoded.
        var exit: [String: Any]?
        var missed: String?
    }

    static func run(url: String, token: String, steps: [Step], timeout: Duration = .seconds(30)) async throws -> Outcome {
        var headers = HTTPFields()
        headers[.authorization] = "Bearer \(token)"
        let transcript = Shared("")
        let exit = Shared<String?>(nil)
        let missed = Shared<String?>(nil)
        try await connect(url: url, headers: headers, steps: steps, timeout: timeout, transcript: transcript, exit: exit, missed: missed)
        let text = exit.withLock { $0 }
        return Outcome(
            transcript: transcript.withLock { $0 },
            exit: text.flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] },
            missed: missed.withLock { $0 })
    }

    private static func connect(
        url: String, headers: HTTPFields, steps: [Step], timeout: Duration, transcript: Shared<String>, exit: Shared<String?>, missed: Shared<String?>
    ) async throws {
        try await WebSocketClient.connect(url: url, configuration: .init(additionalHeaders: headers), logger: Logger(label: "console-test")) { inbound, outbound, _ in
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for step in steps {
                        switch step {
                        case .repeatKeys(let keys, let expected, let interval):
                            let start = transcript.withLock { $0.count }
                            let deadline = ContinuousClock.now + timeout
                            while !transcript.withLock({ String($0.dropFirst(start)).contains(expected) }) {
                                guard ContinuousClock.now < deadline else {
                                    missed.withLock { $0 = expected }
                                    try await outbound.close(.normalClosure, reason: nil)
                                    return
                                }
                                try await outbound.write(.binary(ByteBuffer(string: keys)))
                                try await Task.sleep(for: interval)
                            }
                        case .resize(let rows, let columns):
                            try await outbound.write(.text(#"{"type":"resize","rows":\#(rows),"cols":\#(columns)}"#))
                        case .keys(let keys, let expected):
                            let start = transcript.withLock { $0.count }
                            try await outbound.write(.binary(ByteBuffer(string: keys)))
                            let deadline = ContinuousClock.now + timeout
                            while !transcript.withLock({ String($0.dropFirst(start)).contains(expected) }) {
                                guard ContinuousClock.now < deadline else {
                                    missed.withLock { $0 = expected }
                                    try await outbound.close(.normalClosure, reason: nil)
                                    return
                                }
                                try await Task.sleep(for: .milliseconds(20))
                            }
                        }
                    }
                }
                // The server's text message (the exit report, or why the console did not
                // open) is its last: stop reading there rather than wait for its close.
                reading: for try await message in inbound.messages(maxSize: 1 << 24) {
                    switch message {
                    case .binary(let buffer): transcript.withLock { $0 += String(decoding: buffer.readableBytesView, as: UTF8.self) }
                    case .text(let text):
                        exit.withLock { $0 = text }
                        break reading
                    }
                }
                group.cancelAll()
            }
        }
    }
}

/// A value shared between the tasks of a test, behind a lock.
final class Shared<Value: Sendable>: Sendable {
    private let value: Mutex<Value>

    init(_ value: Value) { self.value = Mutex(value) }

    func withLock<Result>(_ body: (inout Value) -> Result) -> Result { value.withLock { body(&$0) } }
}
