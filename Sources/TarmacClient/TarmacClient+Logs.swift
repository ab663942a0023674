import AsyncHTTPClient
import Foundation
import NIOCore
import TarmacModel

extension TarmacClient {
    private struct LogPage: Decodable {
        var lines: [LogLine]
    }

    /// The app's log lines `options` select, oldest first.
    public func logs(app: String, _ options: LogOptions = LogOptions()) async throws -> [LogLine] {
        try await send(.appLogs(app: app, options), as: LogPage.self).lines
    }

    /// Follows the app's logs (`…/logs?follow=true`): what `logs` would answer, then every new
    /// line, calling `handle` for each in order until it throws or the task is cancelled. A
    /// dropped connection is reopened after `retryDelay` from the last line handled (lines
    /// already handled are not repeated); `onReconnect` hears why. Refusals are thrown.
    public func followLogs(
        app: String, _ options: LogOptions = LogOptions(), retryDelay: Duration = .seconds(1),
        onReconnect: @Sendable (ClientError) -> Void = { _ in },
        _ handle: (LogLine) async throws -> Void
    ) async throws {
        var current = options
        // The newest line number handled per machine: a reconnect reads from the last time
        // seen, and what it repeats is dropped here.
        var seen: [String: Int64] = [:]
        while true {
            try Task.checkCancellation()
            do {
                try await streamLogs(app: app, current) { line in
                    guard line.number > seen[line.machineID] ?? 0 else { return }
                    try await handle(line)
                    seen[line.machineID] = line.number
                    current.since = line.timestamp
                }
                onReconnect(ClientError(code: .unreachable, message: "the log stream ended; reconnecting", url: baseURL))
            } catch let error as ClientError where error.code == .unreachable || error.code == .timeout {
                onReconnect(error)
            }
            try await Task.sleep(for: retryDelay)
        }
    }

    /// One connection of the stream; returns when the server ends it.
    private func streamLogs(app: String, _ options: LogOptions, _ each: (LogLine) async throws -> Void) async throws {
        let (response, url) = try await openStream(.appLogs(app: app, options, follow: true), accept: "application/x-ndjson")
        let decoder = JSONDecoder()
        var pending: [UInt8] = []
        do {
            for try await buffer in response.body {
                pending += buffer.readableBytesView
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = pending[..<newline]
                    pending.removeSubrange(...newline)
                    // Blank lines are the server's keep-alives.
                    guard !line.isEmpty else { continue }
                    try await each(try decoder.decode(LogLine.self, from: Data(line)))
                }
            }
        } catch let error as DecodingError {
            throw ClientError(code: .decoding, message: "a log line from \(url) does not decode: \(error)", url: url, cause: error)
        } catch let error as HTTPClientError {
            throw transportError(error, url: url, timeout: configuration.timeout)
        }
    }
}
