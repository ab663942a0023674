/// An image reference parsed and normalised the way Docker does it:
/// `nginx` → `docker.io/library/nginx:latest`; `host:port/repo:tag`; `repo@sha256:…`;
/// `repo:tag@sha256:…`.
public struct ImageReference: Sendable, Hashable, CustomStringConvertible {
    /// Registry host (with port), `docker.io` for Docker Hub.
    public var domain: String
    /// Repository path within the registry, e.g. `library/nginx`.
    public var path: String
    public var tag: String?
    public var digest: String?

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var reference: String
        public var reason: String
        public var description: String { "invalid image reference \"\(reference)\": \(reason)" }
    }

    public init(domain: String, path: String, tag: String?, digest: String?) {
        self.domain = domain
        self.path = path
        self.tag = tag
        self.digest = digest
    }

    public init(parsing text: String) throws(ParseError) {
        func fail(_ reason: String) -> ParseError { ParseError(reference: text, reason: reason) }
        guard !text.isEmpty else { throw fail("it is empty") }
        guard text.count <= 512 else { throw fail("it is longer than 512 characters") }
        var remainder = Substring(text)
        var digest: String?
        if let at = remainder.firstIndex(of: "@") {
            let value = String(remainder[remainder.index(after: at)...])
            guard Self.isValidDigest(value) else { throw fail("digest \"\(value)\" is not of the form sha256:<64 hex characters>") }
            digest = value
            remainder = remainder[..<at]
        }
        var tag: String?
        if let colon = remainder.lastIndex(of: ":"), !remainder[remainder.index(after: colon)...].contains("/") {
            let value = String(remainder[remainder.index(after: colon)...])
            guard Self.isValidTag(value) else { throw fail("tag \"\(value)\" must be 1-128 letters, digits, '_', '.' or '-' and not start with '.' or '-'") }
            tag = value
            remainder = remainder[..<colon]
        }
        let name = String(remainder)
        guard !name.isEmpty else { throw fail("the repository name is missing") }
        var components = name.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var domain = "docker.io"
        if components.count > 1, let first = components.first,
           first.contains(".") || first.contains(":") || first == "localhost" || first.lowercased() != first {
            domain = first
            components.removeFirst()
            guard Self.isValidDomain(domain) else { throw fail("registry host \"\(domain)\" is not a valid host[:port]") }
        }
        if domain == "index.docker.io" { domain = "docker.io" }
        for component in components {
            guard Self.isValidPathComponent(component) else {
                throw fail("repository component \"\(component)\" must be lowercase letters and digits, separated by '.', '_', '__' or '-'")
            }
        }
        if domain == "docker.io", components.count == 1 { components.insert("library", at: 0) }
        let path = components.joined(separator: "/")
        guard path.count <= 255 else { throw fail("the repository name is longer than 255 characters") }
        self.init(domain: domain, path: path, tag: digest == nil ? (tag ?? "latest") : tag, digest: digest)
    }

    /// The repository with its registry, `docker.io/library/nginx`.
    public var repository: String { "\(domain)/\(path)" }

    /// The full normalised reference: `docker.io/library/nginx:latest`, `host/repo@sha256:…`.
    public var description: String {
        var out = repository
        if let tag { out += ":\(tag)" }
        if let digest { out += "@\(digest)" }
        return out
    }

    /// A short name for display: Docker Hub's `library/` and `docker.io/` prefixes dropped.
    public var familiar: String {
        var name = path
        if domain == "docker.io" {
            if name.hasPrefix("library/") { name = String(name.dropFirst("library/".count)) }
        } else {
            name = "\(domain)/\(path)"
        }
        if let tag { name += ":\(tag)" }
        if let digest { name += "@\(digest)" }
        return name
    }

    /// The host that serves the registry API (`registry-1.docker.io` for Docker Hub).
    public var registryHost: String { domain == "docker.io" ? "registry-1.docker.io" : domain }

    public static func isValidDigest(_ value: String) -> Bool {
        let parts = value.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, parts[0] == "sha256", parts[1].count == 64 else { return false }
        return parts[1].allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) }
    }

    static func isValidTag(_ value: String) -> Bool {
        guard (1...128).contains(value.count), let first = value.first, first != ".", first != "-" else { return false }
        return value.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "-") }
    }

    static func isValidDomain(_ value: String) -> Bool {
        let hostPort = value.split(separator: ":", omittingEmptySubsequences: false)
        guard (1...2).contains(hostPort.count), let host = hostPort.first, !host.isEmpty else { return false }
        if hostPort.count == 2 {
            guard let port = Int(hostPort[1]), (1...65535).contains(port) else { return false }
        }
        return host.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") }
    }

    static func isValidPathComponent(_ value: String) -> Bool {
        // [a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*
        let chars = Array(value)
        guard let first = chars.first, let last = chars.last, isLowerAlnum(first), isLowerAlnum(last) else { return false }
        var index = 0
        while index < chars.count {
            if isLowerAlnum(chars[index]) { index += 1; continue }
            var separator = ""
            while index < chars.count, !isLowerAlnum(chars[index]) { separator.append(chars[index]); index += 1 }
            guard separator == "." || separator == "_" || separator == "__" || separator.allSatisfy({ $0 == "-" }) else { return false }
        }
        return true
    }

    static func isLowerAlnum(_ char: Character) -> Bool { ("a"..."z").contains(char) || ("0"..."9").contains(char) }
}
