import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TarmacControl
import TarmacModel

/// `GET /tarmac/v1/apps/{app}/logs`: the app's machine logs (`machine`, `region`, `since`,
/// `limit`) as `{"lines": [...]}`, or with `follow=true` an NDJSON stream, one line object
/// per line, that stays open and carries new lines as the machines write them (a blank line
/// every 15 s of quiet keeps proxies from closing it).
extension Handlers {
    static let logsPath = "/tarmac/v1/apps/{app_name}/logs"
    static let ndjsonContentType = "application/x-ndjson"
    static let logKeepAliveInterval: Duration = .seconds(15)

    struct LogPage: Encodable {
        var lines: [LogLine]
    }

    func registerLogs(_ table: inout RouteTable) {
        table.add(.get, Self.logsPath) { request, context in
            let app = try context.parameters.require("app_name")
            let query = try LogQuery(
                machineID: request.query("machine") ?? request.query("instance"), region: request.query("region"),
                since: request.query("since"), limit: request.query("limit"))
            let control = try control()
            guard try request.queryBool("follow") == true else {
                return JSONResponse.make(LogPage(lines: try await control.logs(app: app, query: query)))
            }
            // The app and machine are checked before the stream starts, so a bad one is a 404.
            try await control.checkLogScope(app: app, query: query)
            let body = ResponseBody { writer in
                try await Self.followLogs(app: app, query: query, control: control, writer: &writer)
            }
            return Response(status: .ok, headers: [.contentType: Self.ndjsonContentType, .cacheControl: "no-store"], body: body)
        }
    }

    private static func followLogs(app: String, query: LogQuery, control: Control, writer: inout any ResponseBodyWriter) async throws {
        let encoder = JSONResponse.encoder
        try await control.followLogs(app: app, query: query, idle: logKeepAliveInterval) { lines in
            var buffer = ByteBuffer()
            if lines.isEmpty { buffer.writeString("\n") }
            for line in lines {
                buffer.writeBytes(try encoder.encode(line))
                buffer.writeString("\n")
            }
            try await writer.write(buffer)
        }
        try await writer.finish(nil)
    }
}
