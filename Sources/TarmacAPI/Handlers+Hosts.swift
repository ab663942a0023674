import Foundation
import HTTPTypes
import Hummingbird
import TarmacControl
import TarmacModel

extension Handlers {
    /// The cluster's hosts (`tarmac hosts`): list, show, cordon, uncordon.
    func registerHosts(_ table: inout RouteTable) {
        table.add(.get, "/tarmac/v1/hosts") { _, _ in
            JSONResponse.make(try control().hosts())
        }
        table.add(.get, "/tarmac/v1/hosts/{host_id}") { _, context in
            JSONResponse.make(try control().host(named: try context.parameters.require("host_id")))
        }
        table.add(.post, "/tarmac/v1/hosts/{host_id}/cordon") { _, context in
            JSONResponse.make(try await control().setHostCordoned(try context.parameters.require("host_id"), true))
        }
        table.add(.post, "/tarmac/v1/hosts/{host_id}/uncordon") { _, context in
            JSONResponse.make(try await control().setHostCordoned(try context.parameters.require("host_id"), false))
        }
    }
}
