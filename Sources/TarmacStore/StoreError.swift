/// The store module's one error type.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public struct Code: Sendable, Hashable {
        private enum Value: Sendable, Hashable { case conflict, notFound, io }
        private let value: Value
        private init(_ value: Value) { self.value = value }
        public static let conflict = Code(.conflict)
        public static let notFound = Code(.notFound)
        public static let io = Code(.io)
    }

    public var code: Code
    public var message: String
    /// For name conflicts: the ID of the record that holds the name.
    public var existingID: String?

    public init(_ code: Code, _ message: String, existingID: String? = nil) {
        self.code = code
        self.message = message
        self.existingID = existingID
    }

    public var description: String { message }
}
