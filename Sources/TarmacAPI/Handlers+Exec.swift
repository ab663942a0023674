import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import TarmacControl
import TarmacModel

extension Handlers {
    /// `POST …/exec`: runs a command in a started machine and answers with its exit status
    /// and output. No lease nonce is needed (exec does not change the machine).
    func registerExec(_ table: inout RouteTable) {
        table.add(.post, Self.machinePath + "/exec") { request, context in
            let (app, id) = try Self.machine(context)
            let body = try await request.decodeBody(MachineExecRequest.self)
            return JSONResponse.make(try await control().execMachine(app: app, id: id, request: body))
        }
        table.add(.get, Self.machinePath + "/ps") { request, context in
            let (app, id) = try Self.machine(context)
            return JSONResponse.make(try await control().processes(app: app, id: id, sortBy: request.query("sort_by"), order: request.query("order")))
        }
    }
}
