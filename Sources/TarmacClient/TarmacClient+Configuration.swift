import Foundation

extension TarmacClient {
    /// Where the API is and how to talk to it.
    public struct Configuration: Sendable, Hashable {
        /// Scheme, host and port of the server, without `/v1` (it is added per request).
        /// Default `http://127.0.0.1:4280`, where `tarmac dev` listens.
        public var baseURL: String
        /// Sent as `Authorization: Bearer <token>`; nil sends no Authorization header.
        public var token: String?
        /// Deadline of one request, unless the request sets its own (`wait` does). Default 30 s.
        public var timeout: Duration = .seconds(30)
        /// Time allowed to open a connection. Default 5 s.
        public var connectTimeout: Duration = .seconds(5)
        /// Largest response body accepted. Default 32 MiB.
        public var maximumResponseBytes: Int = 32 * 1024 * 1024
        public var userAgent: String = "tarmac-client"
        /// Retry failed connection attempts (with backoff) until `connectTimeout`. Good for
        /// long-lived callers (agent, proxy); interactive tools turn it off to fail fast
        /// when no server is listening. Default true.
        public var retriesFailedConnections: Bool = true

        public static let defaultBaseURL = "http://127.0.0.1:4280"

        public init(baseURL: String = Self.defaultBaseURL, token: String? = nil) {
            self.baseURL = baseURL
            self.token = token
        }

        /// Normalises a user-given base URL: adds `http://` when no scheme is given and
        /// drops trailing slashes and a trailing `/v1`. Throws for non-HTTP schemes or a
        /// missing host.
        public static func normalizeBaseURL(_ text: String) throws(ClientError) -> String {
            var url = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if !url.contains("://") { url = "http://" + url }
            while url.hasSuffix("/") { url.removeLast() }
            if url.hasSuffix("/v1") { url.removeLast(3) }
            while url.hasSuffix("/") { url.removeLast() }
            let lower = url.lowercased()
            let scheme = lower.hasPrefix("http://") ? "http://" : lower.hasPrefix("https://") ? "https://" : nil
            guard let scheme else {
                throw ClientError(code: .invalidRequest, message: "invalid API URL \"\(text)\": only http:// and https:// are supported")
            }
            let host = url.dropFirst(scheme.count).prefix { $0 != "/" && $0 != ":" }
            guard !host.isEmpty else {
                throw ClientError(code: .invalidRequest, message: "invalid API URL \"\(text)\": it names no host")
            }
            return url
        }
    }
}
