import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import Synchronization
import TarmacClient

/// One interactive session over `…/machines/{id}/console/ws`: keystrokes and window sizes
/// out, the terminal's bytes in, until the server reports how the program ended.
enum ConsoleConnection {
    enum Input: Sendable {
        case bytes([UInt8])
        case resize(rows: UInt16, columns: UInt16)
        /// Standard input ended (a pipe): the terminal gets an end-of-file (Ctrl-D).
        case endOfInput
    }

    struct Exit: Sendable, Hashable {
        var code: Int
        var signal: Int
        /// As a shell reports it: the code, or 128 + the signal.
        var status: Int32 { Int32(truncatingIfNeeded: signal != 0 ? 128 + signal : code) }
    }

    static func url(baseURL: String, app: String, id: String, command: String?, user: String?, rows: UInt16, columns: UInt16, term: String?) -> String {
        var query: [APIRequest.QueryItem] = [.init("rows", String(rows)), .init("cols", String(columns))]
        if let command { query.append(.init("command", command)) }
        if let user { query.append(.init("user", user)) }
        if let term { query.append(.init("term", term)) }
        let http = APIRequest.tarmac(.get, ["apps", app, "machines", id, "console", "ws"], query: query).url(baseURL: baseURL)
        if http.hasPrefix("https://") { return "wss://" + http.dropFirst("https://".count) }
        if http.hasPrefix("http://") { return "ws://" + http.dropFirst("http://".count) }
        return http
    }

    /// Runs the session; `output` gets the terminal's bytes as they arrive.
    static func run(url: String, token: String?, input: AsyncStream<Input>, output: @escaping @Sendable ([UInt8]) -> Void) async throws -> Exit {
        var headers = HTTPFields()
        if let token, !token.isEmpty { headers[.authorization] = "Bearer \(token)" }
        let outcome = Mutex<Result<Exit, CLIError>?>(nil)
        let logger = Logger(label: "tarmac.console") { _ in SwiftLogNoOpLogHandler() }
        do {
            try await WebSocketClient.connect(url: url, configuration: .init(additionalHeaders: headers), logger: logger) { inbound, outbound, _ in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for await item in input {
                            switch item {
                            case .bytes(let bytes): try await outbound.write(.binary(ByteBuffer(bytes: bytes)))
                            case .resize(let rows, let columns): try await outbound.write(.text(#"{"type":"resize","rows":\#(rows),"cols":\#(columns)}"#))
                            case .endOfInput: try await outbound.write(.binary(ByteBuffer(bytes: [0x04])))
                            }
                        }
                    }
                    // The exit report (or why the console did not open) is the server's last
                    // message: stop there rather than wait for its close.
                    reading: for try await message in inbound.messages(maxSize: 16 << 20) {
                        switch message {
                        case .binary(let buffer): output(Array(buffer.readableBytesView))
                        case .text(let text):
                            guard let result = notice(text) else { continue }
                            outcome.withLock { $0 = result }
                            break reading
                        }
                    }
                    group.cancelAll()
                }
            }
        } catch let error as CLIError {
            throw error
        } catch {
            throw CLIError(message: "the console connection failed: \(error)", exitCode: CLIError.failure)
        }
        guard let result = outcome.withLock({ $0 }) else {
            throw CLIError(message: "the console closed without reporting how the program ended (the machine stopped?)", exitCode: CLIError.failure)
        }
        return try result.get()
    }

    /// The server's text messages: how the program ended, or why the console did not start.
    static func notice(_ text: String) -> Result<Exit, CLIError>? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return nil }
        switch object["type"] as? String {
        case "exit": return .success(Exit(code: object["exit_code"] as? Int ?? 0, signal: object["signal"] as? Int ?? 0))
        case "error": return .failure(CLIError(message: object["error"] as? String ?? "the console did not start", exitCode: CLIError.failure))
        default: return nil
        }
    }
}
