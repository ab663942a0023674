import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

extension RegistryClient {
    /// The bearer token flow: GET the challenge's realm with its service and our scopes, with
    /// basic credentials when some are stored, and read `token` (or `access_token`).
    func fetchToken(_ challenge: AuthChallenge, endpoint: RegistryEndpoint, scopes: [String], login: RegistryCredentials.Login?) async throws -> String {
        guard let realm = challenge.realm, var components = URLComponents(string: realm), components.scheme != nil else {
            throw ImageError(.unavailable, "registry \(endpoint.host) asked for a bearer token without a usable realm (\(challenge.realm ?? "none"))")
        }
        var query = components.queryItems ?? []
        if let service = challenge.service { query.append(URLQueryItem(name: "service", value: service)) }
        let wanted = scopes.isEmpty ? (challenge.scope.map { [$0] } ?? []) : scopes
        query += wanted.map { URLQueryItem(name: "scope", value: $0) }
        components.queryItems = query.isEmpty ? nil : query
        guard let url = components.string else {
            throw ImageError(.unavailable, "cannot build a token request for registry \(endpoint.host) from realm \(realm)")
        }
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "User-Agent", value: "tarmac")
        if let login { request.headers.add(name: "Authorization", value: Self.basic(login)) }
        let response = try await execute(request, endpoint: endpoint, timeout: configuration.requestTimeout)
        if response.status == .unauthorized || response.status == .forbidden {
            _ = try? await response.body.collect(upTo: 1 << 16)
            throw Self.unauthorized(endpoint, login: login)
        }
        guard response.status == .ok else {
            throw await Self.unexpected(response, "a token request to \(realm)", endpoint: endpoint)
        }
        let data = try await Self.collect(response, limit: 1 << 20, what: "a token", endpoint: endpoint)
        struct TokenResponse: Decodable {
            var token: String?
            var accessToken: String?
            enum CodingKeys: String, CodingKey {
                case token
                case accessToken = "access_token"
            }
        }
        guard let decoded = try? JSONDecoder().decode(TokenResponse.self, from: data),
              let token = decoded.token ?? decoded.accessToken, !token.isEmpty else {
            throw ImageError(.unavailable, "the token service \(realm) of registry \(endpoint.host) returned no token")
        }
        return token
    }

    /// Checks a login against `host`'s `/v2/` (answering its challenge with `login`), so
    /// `tarmac registry login` only stores credentials the registry accepts.
    public func verifyLogin(host: String, login: RegistryCredentials.Login) async throws {
        let endpoint = endpoint(host)
        let response = try await send(endpoint, scopes: [], method: .GET, url: "\(endpoint.baseURL)/v2/", login: login)
        if response.status == .ok {
            _ = try? await response.body.collect(upTo: 1 << 16)
            return
        }
        if response.status == .notFound {
            throw ImageError(.unavailable, "\(endpoint.baseURL)/v2/ answered 404: \(host) does not serve the registry API v2")
        }
        throw await Self.unexpected(response, "GET /v2/", endpoint: endpoint)
    }
}
