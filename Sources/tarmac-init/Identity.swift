import Glibc

/// Who a process runs as: the `user` of the run configuration or an exec request
/// (`uid[:gid]`, or names looked up in the root's /etc/passwd and /etc/group), with the
/// supplementary groups the user is listed in.
struct Identity: Equatable {
    var uid: UInt32
    var gid: UInt32
    var groups: [UInt32]
    var home: String

    static let root = Identity(uid: 0, gid: 0, groups: [0], home: "/root")

    /// Resolves `spec` against /etc/passwd and /etc/group (of the current root).
    static func resolve(_ spec: String) throws -> Identity {
        let trimmed = spec.trimmingSpaces
        guard !trimmed.isEmpty else { return .root }
        let parts = trimmed.split(separator: ":", maxSplits: 1).map(String.init)
        let users = Table.read("/etc/passwd")
        let groups = Table.read("/etc/group")

        var identity: Identity
        var userName: String?
        if let uid = UInt32(parts[0]) {
            let entry = users.first { UInt32($0.field(2)) == uid }
            identity = Identity(uid: uid, gid: entry.flatMap { UInt32($0.field(3)) } ?? 0, groups: [], home: entry?.field(5) ?? "/")
            userName = entry?.field(0)
        } else {
            guard let entry = users.first(where: { $0.field(0) == parts[0] }), let uid = UInt32(entry.field(2)), let gid = UInt32(entry.field(3)) else {
                throw InitError("user \(parts[0]) is not in the image's /etc/passwd")
            }
            identity = Identity(uid: uid, gid: gid, groups: [], home: entry.field(5))
            userName = parts[0]
        }
        if parts.count == 2 {
            if let gid = UInt32(parts[1]) {
                identity.gid = gid
            } else if let entry = groups.first(where: { $0.field(0) == parts[1] }), let gid = UInt32(entry.field(2)) {
                identity.gid = gid
            } else {
                throw InitError("group \(parts[1]) is not in the image's /etc/group")
            }
        }
        var supplementary = [identity.gid]
        if let userName {
            for entry in groups where entry.field(3).split(separator: ",").contains(where: { String($0) == userName }) {
                if let gid = UInt32(entry.field(2)), !supplementary.contains(gid) { supplementary.append(gid) }
            }
        }
        identity.groups = supplementary
        if identity.home.isEmpty { identity.home = "/" }
        return identity
    }

    /// Lines of a colon-separated database file.
    private struct Table {
        let fields: [Substring]

        func field(_ index: Int) -> String { index < fields.count ? String(fields[index]) : "" }

        static func read(_ path: String) -> [Table] {
            guard let text = FileSystem.readText(path) else { return [] }
            return text.split(whereSeparator: \.isNewline)
                .filter { !$0.hasPrefix("#") }
                .map { Table(fields: $0.split(separator: ":", omittingEmptySubsequences: false)) }
        }
    }
}

extension String {
    var trimmingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
