import Foundation
import Testing
import TarmacAPI

/// The router and `openapi.json` describe the same API: every served (method, path) is
/// documented and every documented operation is served.
@Suite("OpenAPI conformance")
struct OpenAPIConformanceTests {
    static let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]

    struct Operation: Hashable, Comparable, CustomStringConvertible {
        var method: String
        var path: String
        var description: String { "\(method.uppercased()) \(path)" }
        static func < (lhs: Self, rhs: Self) -> Bool { (lhs.path, lhs.method) < (rhs.path, rhs.method) }
    }

    static func document() throws -> [String: Any] {
        let data = try APIServer.openAPIDocument()
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any], "openapi.json is not a JSON object")
    }

    static func documented() throws -> [Operation: [String: Any]] {
        let paths = try #require(try document()["paths"] as? [String: Any], "openapi.json has no paths")
        var operations: [Operation: [String: Any]] = [:]
        for (path, item) in paths {
            let item = try #require(item as? [String: Any], "path item \(path) is not an object")
            for (method, operation) in item where methods.contains(method) {
                operations[Operation(method: method, path: path)] = try #require(operation as? [String: Any])
            }
        }
        return operations
    }

    @Test("the document is OpenAPI 3.x with paths")
    func shape() throws {
        let document = try Self.document()
        #expect((document["openapi"] as? String)?.hasPrefix("3.") == true)
        #expect(try !Self.documented().isEmpty)
    }

    @Test("routes() and the document's operations are the same set")
    func sameOperations() throws {
        let served = Set(APIServer.routes().map { Operation(method: $0.method.lowercased(), path: $0.path) })
        let documented = Set(try Self.documented().keys)
        #expect(served.count == APIServer.routes().count, "a route is registered twice")
        let undocumented = served.subtracting(documented).sorted()
        let unserved = documented.subtracting(served).sorted()
        #expect(undocumented.isEmpty, "served but not in openapi.json: \(undocumented)")
        #expect(unserved.isEmpty, "in openapi.json but not served: \(unserved)")
    }

    @Test("every operation has a unique operationId and responses")
    func operationIDs() throws {
        let operations = try Self.documented()
        var seen: [String: Operation] = [:]
        for (operation, body) in operations.sorted(by: { $0.key < $1.key }) {
            let id = body["operationId"] as? String
            #expect(id?.isEmpty == false, "\(operation) has no operationId")
            if let id {
                #expect(seen[id] == nil, "operationId \(id) is used by \(operation) and \(seen[id].map(\.description) ?? "")")
                seen[id] = operation
            }
            #expect((body["responses"] as? [String: Any])?.isEmpty == false, "\(operation) has no responses")
        }
    }

    @Test("every {parameter} of a path is declared as a path parameter of each operation")
    func pathParameters() throws {
        let document = try Self.document()
        let paths = try #require(document["paths"] as? [String: Any])
        let components = ((document["components"] as? [String: Any])?["parameters"] as? [String: Any]) ?? [:]
        func resolve(_ parameter: [String: Any]) -> [String: Any]? {
            guard let ref = parameter["$ref"] as? String else { return parameter }
            guard ref.hasPrefix("#/components/parameters/") else { return nil }
            return components[String(ref.dropFirst("#/components/parameters/".count))] as? [String: Any]
        }
        for (path, item) in paths {
            let item = try #require(item as? [String: Any])
            let names = Set(path.split(separator: "/").filter { $0.hasPrefix("{") && $0.hasSuffix("}") }.map { String($0.dropFirst().dropLast()) })
            let shared = (item["parameters"] as? [[String: Any]]) ?? []
            for (method, operation) in item where Self.methods.contains(method) {
                let own = ((operation as? [String: Any])?["parameters"] as? [[String: Any]]) ?? []
                let unresolved = (shared + own).filter { resolve($0) == nil }
                #expect(unresolved.isEmpty, "\(method.uppercased()) \(path) has unresolvable parameters \(unresolved)")
                let declared = Set((shared + own).compactMap(resolve).filter { $0["in"] as? String == "path" }.compactMap { $0["name"] as? String })
                #expect(declared == names, "\(method.uppercased()) \(path) declares path parameters \(declared.sorted()), the path has \(names.sorted())")
            }
        }
    }
}
