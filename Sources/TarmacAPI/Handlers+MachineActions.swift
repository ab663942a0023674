import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import TarmacControl
import TarmacModel

extension Handlers {
    func registerMachineActions(_ table: inout RouteTable) {
        let path = Self.machinePath
        table.add(.post, path + "/start") { request, context in
            let (app, id) = try Self.machine(context)
            return JSONResponse.make(try await control().startMachine(app: app, id: id, nonce: request.leaseNonce))
        }
        table.add(.post, path + "/stop") { request, context in
            let (app, id) = try Self.machine(context)
            let body = try await request.decodeBody(StopRequest.self, empty: StopRequest())
            try await control().stopMachine(app: app, id: id, request: body, nonce: request.leaseNonce)
            return JSONResponse.make(["ok": true])
        }
        table.add(.post, path + "/restart") { request, context in
            let (app, id) = try Self.machine(context)
            let signal = try request.query("signal").map { name in
                guard let signal = MachineSignal(name: name) else { throw ControlError(.badRequest, "invalid_argument: unknown signal \"\(name)\"") }
                return signal
            }
            let timeout = try request.queryDuration("timeout")
            let forceStop = try request.queryBool("force_stop") ?? false
            try await control().restartMachine(app: app, id: id, signal: forceStop ? .sigkill : signal, timeout: timeout, nonce: request.leaseNonce)
            return JSONResponse.make(["ok": true])
        }
        table.add(.post, path + "/suspend") { request, context in
            let (app, id) = try Self.machine(context)
            try await control().suspendMachine(app: app, id: id, nonce: request.leaseNonce)
            return JSONResponse.make(["ok": true])
        }
        table.add(.post, path + "/signal") { request, context in
            let (app, id) = try Self.machine(context)
            let body: SignalRequest
            do {
                body = try await request.decodeBody(SignalRequest.self)
            } catch let error as DecodingError {
                // An unknown signal name or number is a bad argument (400), as the reference says.
                throw ControlError(.badRequest, "invalid_argument: \(Self.decodingMessage(error)); use a name such as SIGTERM or its number")
            }
            guard let signal = body.signal else { throw ControlError(.badRequest, "signal is required, e.g. {\"signal\":\"SIGTERM\"}") }
            try await control().signalMachine(app: app, id: id, signal: signal, nonce: request.leaseNonce)
            return JSONResponse.make(["ok": true])
        }
        table.add(.post, path + "/cordon") { request, context in
            let (app, id) = try Self.machine(context)
            try await control().setCordoned(app: app, id: id, cordoned: true, nonce: request.leaseNonce)
            return JSONResponse.make(["ok": true])
        }
        table.add(.post, path + "/uncordon") { request, context in
            let (app, id) = try Self.machine(context)
            try await control().setCordoned(app: app, id: id, cordoned: false, nonce: request.leaseNonce)
            return JSONResponse.make(["ok": true])
        }
        table.add(.get, path + "/wait") { request, context in
            let (app, id) = try Self.machine(context)
            let states = request.queryList("state")
            if let unknown = states.first(where: { !Control.waitableStates.contains($0) }) {
                throw ControlError(.badRequest, "invalid_argument: cannot wait for state \"\(unknown)\" (use started, stopped, suspended, destroyed, failed or settled)")
            }
            let timeout = try Self.waitTimeout(request)
            let version = request.query("version") ?? request.query("instance_id")
            return JSONResponse.make(try await control().waitForMachine(app: app, id: id, states: states, timeout: timeout, version: version))
        }
    }

    /// `timeout` in whole seconds (or a Go duration), 1–60, default 60.
    static func waitTimeout(_ request: Request) throws -> Duration {
        guard let raw = request.query("timeout"), !raw.isEmpty else { return .seconds(60) }
        let seconds: Double
        if let number = Double(raw) {
            seconds = number
        } else if let duration = GoDuration(parsing: raw) {
            seconds = duration.seconds
        } else {
            throw ControlError(.badRequest, "invalid_argument: timeout must be a number of seconds between 1 and 60, got \"\(raw)\"")
        }
        guard seconds >= 1, seconds <= 60 else {
            throw ControlError(.badRequest, "invalid_argument: timeout must be between 1 and 60 seconds, got \(raw)")
        }
        return .milliseconds(Int64(seconds * 1000))
    }
}

extension Handlers {
    /// The message of a body-decoding failure, as the one error mapping words it.
    static func decodingMessage(_ error: DecodingError) -> String {
        APIErrorMiddleware<BasicRequestContext>.decodingFailure(error).1.error
    }
}
