/// An interactive session in the guest (`ttyOpen`): the command, run as `user` on a new
/// pseudo-terminal of `rows` × `columns`, as the leader of its own session with the terminal
/// as its controlling terminal (so Ctrl-C and job control work).
public struct GuestTTYRequest: Sendable, Hashable {
    public var args: [String]
    /// Extra `KEY=value` entries on top of the machine's environment (`TERM` among them).
    public var env: [String]
    public var workingDirectory: String?
    public var user: String?
    public var rows: UInt16
    public var columns: UInt16

    public init(args: [String], env: [String] = [], workingDirectory: String? = nil, user: String? = nil, rows: UInt16 = 24, columns: UInt16 = 80) {
        self.args = args
        self.env = env
        self.workingDirectory = workingDirectory
        self.user = user
        self.rows = rows
        self.columns = columns
    }

    func encode(into writer: inout WireWriter) {
        writer.strings(args)
        writer.strings(env)
        writer.optionalString(workingDirectory)
        writer.optionalString(user)
        writer.u16(rows)
        writer.u16(columns)
    }

    init(from reader: inout WireReader) throws(GuestProtocolError) {
        args = try reader.strings()
        env = try reader.strings()
        workingDirectory = try reader.optionalString()
        user = try reader.optionalString()
        rows = try reader.u16()
        columns = try reader.u16()
    }
}
