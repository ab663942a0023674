import Foundation
import TarmacModel
import Testing

/// Checks `Sources/TarmacAPI/openapi.json`: every route of the API, nothing else, and
/// internal consistency (operation IDs, references).
@Suite struct OpenAPIDocumentTests {
    static let documentURL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Sources/TarmacAPI/openapi.json")

    static let expectedRoutes: Set<String> = [
        "GET /v1/apps", "POST /v1/apps", "GET /v1/apps/{app_name}", "DELETE /v1/apps/{app_name}", "GET /v1/platform/regions",
        "GET /tarmac/v1/hosts", "GET /tarmac/v1/hosts/{host_id}", "POST /tarmac/v1/hosts/{host_id}/cordon", "POST /tarmac/v1/hosts/{host_id}/uncordon",
        "GET /tarmac/v1/apps/{app_name}/events", "GET /tarmac/v1/apps/{app_name}/events/sse", "GET /tarmac/v1/apps/{app_name}/logs",
        "POST /tarmac/v1/apps/{app_name}/webhooks", "GET /tarmac/v1/apps/{app_name}/webhooks",
        "GET /tarmac/v1/apps/{app_name}/webhooks/{webhook_id}", "DELETE /tarmac/v1/apps/{app_name}/webhooks/{webhook_id}",
        "GET /tarmac/v1/apps/{app_name}/webhooks/{webhook_id}/deliveries", "POST /tarmac/v1/apps/{app_name}/webhooks/{webhook_id}/enable",
        "GET /v1/apps/{app_name}/machines/{machine_id}/ps",
        "GET /v1/apps/{app_name}/machines", "POST /v1/apps/{app_name}/machines",
        "GET /v1/apps/{app_name}/machines/{machine_id}", "POST /v1/apps/{app_name}/machines/{machine_id}",
        "PUT /v1/apps/{app_name}/machines/{machine_id}", "DELETE /v1/apps/{app_name}/machines/{machine_id}",
        "POST /v1/apps/{app_name}/machines/{machine_id}/start", "POST /v1/apps/{app_name}/machines/{machine_id}/stop",
        "POST /v1/apps/{app_name}/machines/{machine_id}/restart", "POST /v1/apps/{app_name}/machines/{machine_id}/suspend",
        "POST /v1/apps/{app_name}/machines/{machine_id}/signal", "POST /v1/apps/{app_name}/machines/{machine_id}/exec",
        "POST /v1/apps/{app_name}/machines/{machine_id}/cordon",
        "POST /v1/apps/{app_name}/machines/{machine_id}/uncordon", "GET /v1/apps/{app_name}/machines/{machine_id}/wait",
        "GET /v1/apps/{app_name}/machines/{machine_id}/lease", "POST /v1/apps/{app_name}/machines/{machine_id}/lease",
        "DELETE /v1/apps/{app_name}/machines/{machine_id}/lease",
        "GET /v1/apps/{app_name}/machines/{machine_id}/metadata", "PUT /v1/apps/{app_name}/machines/{machine_id}/metadata",
        "PATCH /v1/apps/{app_name}/machines/{machine_id}/metadata",
        "GET /v1/apps/{app_name}/machines/{machine_id}/metadata/{key}", "POST /v1/apps/{app_name}/machines/{machine_id}/metadata/{key}",
        "DELETE /v1/apps/{app_name}/machines/{machine_id}/metadata/{key}",
        "GET /v1/apps/{app_name}/machines/{machine_id}/events", "GET /v1/apps/{app_name}/machines/{machine_id}/versions",
        "GET /v1/orgs/{org_slug}/machines", "GET /v1/openapi.json",
    ]

    func document() throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: Self.documentURL))
    }

    @Test func listsExactlyTheAPIRoutes() throws {
        let paths = try #require(try document()["paths"]?.objectValue)
        var routes: Set<String> = []
        var operationIDs: [String] = []
        for (path, item) in paths {
            for (method, operation) in item.objectValue ?? [:] where method != "parameters" {
                routes.insert("\(method.uppercased()) \(path)")
                operationIDs.append(try #require(operation["operationId"]?.stringValue, "\(method) \(path) has no operationId"))
            }
        }
        #expect(routes == Self.expectedRoutes)
        #expect(Set(operationIDs).count == operationIDs.count, "operationIds are unique")
    }

    @Test func headerAndSchemas() throws {
        let document = try document()
        #expect(document["openapi"]?.stringValue == "3.1.0")
        let schemas = try #require(document["components"]?["schemas"]?.objectValue)
        for name in ["Machine", "MachineConfig", "MachineEvent", "App", "AppList", "LeaseEnvelope", "ErrorResponse", "CreateMachineRequest", "WaitResponse"] {
            #expect(schemas[name] != nil, "schema \(name)")
        }
        #expect(document["components"]?["securitySchemes"]?["bearerAuth"]?["scheme"]?.stringValue == "bearer")
        #expect(document["components"]?["parameters"]?["LeaseNonce"]?["name"]?.stringValue == "fly-machine-lease-nonce")
        #expect(schemas["Machine"]?["properties"]?["runtime"] != nil)
    }

    @Test func everyReferenceResolves() throws {
        let document = try document()
        var references: Set<String> = []
        func collect(_ value: JSONValue) {
            switch value {
            case .object(let object):
                if let reference = object["$ref"]?.stringValue { references.insert(reference) }
                object.values.forEach(collect)
            case .array(let array):
                array.forEach(collect)
            default:
                break
            }
        }
        collect(document)
        #expect(!references.isEmpty)
        for reference in references {
            let parts = reference.split(separator: "/").dropFirst()
            var node: JSONValue? = document
            for part in parts { node = node?[String(part)] }
            #expect(node != nil, "unresolved \(reference)")
        }
    }

    /// The Machine schema's required fields are exactly the non-optional ones the Swift type always encodes.
    @Test func machineRequiredFieldsMatchTheSwiftType() throws {
        let schema = try #require(try document()["components"]?["schemas"]?["Machine"])
        guard case .array(let required)? = schema["required"] else { Issue.record("no required list"); return }
        let machine = Machine(
            id: "1857156b526dd8", name: "n", state: "started", region: "local", instanceID: "01V", privateIP: "fdaa::2",
            config: nil, imageRef: nil, createdAt: "2023-10-31T02:30:10Z", updatedAt: "2023-10-31T02:30:10Z", events: nil)
        let encoded = try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(machine))
        let keys = Set(encoded.objectValue?.keys.map { $0 } ?? [])
        #expect(Set(required.compactMap(\.stringValue)) == keys)
        let properties = Set(schema["properties"]?.objectValue?.keys.map { $0 } ?? [])
        #expect(keys.isSubset(of: properties))
    }
}
