import Foundation

/// Resolves a process `user` string (`""`, `name`, `uid`, `name:group`, `uid:gid` …) against an
/// image's `/etc/passwd` and `/etc/group`, like `docker run --user`. Pure.
public struct ImageUser: Sendable, Hashable {
    public var uid: UInt32
    public var gid: UInt32
    /// Supplementary groups: the groups of /etc/group that list the user as a member (only
    /// when no group was given explicitly).
    public var additionalGids: [UInt32]

    public init(uid: UInt32, gid: UInt32, additionalGids: [UInt32] = []) {
        self.uid = uid
        self.gid = gid
        self.additionalGids = additionalGids
    }

    public static let root = ImageUser(uid: 0, gid: 0)

    public var isRoot: Bool { uid == 0 }

    /// Resolves `user` using the contents of the image's passwd and group files (nil when the
    /// image has none). Numeric ids need no entry; names must exist.
    public static func resolve(_ user: String, passwd: String?, group: String?) throws(RuntimeError) -> ImageUser {
        let trimmed = user.trimmingCharacters(in: .whitespaces)
        let parts = trimmed.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let userPart = parts.first ?? ""
        let groupPart = parts.count > 1 ? parts[1] : ""
        let users = parsePasswd(passwd ?? "")
        let groups = parseGroup(group ?? "")

        var uid: UInt32 = 0
        var gid: UInt32 = 0
        var name: String? = "root"
        if !userPart.isEmpty {
            if let numeric = UInt32(userPart) {
                uid = numeric
                let entry = users.first { $0.uid == numeric }
                gid = entry?.gid ?? 0
                name = entry?.name
            } else if let entry = users.first(where: { $0.name == userPart }) {
                uid = entry.uid
                gid = entry.gid
                name = entry.name
            } else {
                throw RuntimeError(.startFailed, "user \"\(userPart)\" not found in the image's /etc/passwd (use a numeric uid[:gid] or add the user to the image)")
            }
        } else if let entry = users.first(where: { $0.uid == 0 }) {
            gid = entry.gid
            name = entry.name
        }

        if !groupPart.isEmpty {
            if let numeric = UInt32(groupPart) {
                gid = numeric
            } else if let entry = groups.first(where: { $0.name == groupPart }) {
                gid = entry.gid
            } else {
                throw RuntimeError(.startFailed, "group \"\(groupPart)\" not found in the image's /etc/group (use a numeric gid or add the group to the image)")
            }
            return ImageUser(uid: uid, gid: gid)
        }

        var additional: [UInt32] = []
        if let name {
            for entry in groups where entry.members.contains(name) && entry.gid != gid && !additional.contains(entry.gid) {
                additional.append(entry.gid)
            }
        }
        return ImageUser(uid: uid, gid: gid, additionalGids: additional)
    }

    struct PasswdEntry: Hashable {
        var name: String
        var uid: UInt32
        var gid: UInt32
    }

    struct GroupEntry: Hashable {
        var name: String
        var gid: UInt32
        var members: [String]
    }

    /// `name:password:uid:gid:gecos:home:shell`; malformed lines are skipped.
    static func parsePasswd(_ text: String) -> [PasswdEntry] {
        text.split(whereSeparator: \.isNewline).compactMap { line in
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count >= 4, !fields[0].hasPrefix("#"),
                  let uid = UInt32(fields[2]), let gid = UInt32(fields[3]) else { return nil }
            return PasswdEntry(name: String(fields[0]), uid: uid, gid: gid)
        }
    }

    /// `name:password:gid:member,member`; malformed lines are skipped.
    static func parseGroup(_ text: String) -> [GroupEntry] {
        text.split(whereSeparator: \.isNewline).compactMap { line in
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            guard fields.count >= 3, !fields[0].hasPrefix("#"), let gid = UInt32(fields[2]) else { return nil }
            let members = fields.count > 3 ? fields[3].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } : []
            return GroupEntry(name: String(fields[0]), gid: gid, members: members)
        }
    }
}
