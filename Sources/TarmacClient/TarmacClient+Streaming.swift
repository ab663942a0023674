import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

extension TarmacClient {
    /// Opens a long-lived streaming answer (event feed, log follow): no deadline, the body is
    /// read as it arrives. A status other than 200 is thrown as the server's error.
    func openStream(_ request: APIRequest, accept: String, headers: [APIRequest.Header] = []) async throws -> (response: HTTPClientResponse, url: String) {
        let url = request.url(baseURL: baseURL)
        var httpRequest = HTTPClientRequest(url: url)
        httpRequest.headers.add(name: "User-Agent", value: configuration.userAgent)
        httpRequest.headers.add(name: "Accept", value: accept)
        for header in headers { httpRequest.headers.add(name: header.name, value: header.value) }
        if let token = configuration.token, !token.isEmpty {
            httpRequest.headers.add(name: "Authorization", value: "Bearer \(token)")
        }
        let response: HTTPClientResponse
        do {
            response = try await httpClient.execute(httpRequest, deadline: .distantFuture)
        } catch {
            if error is CancellationError || Task.isCancelled { throw CancellationError() }
            throw transportError(error, url: url, timeout: configuration.timeout)
        }
        guard response.status == .ok else {
            let body = (try? await response.body.collect(upTo: 1 << 20)).map { Data($0.readableBytesView) } ?? Data()
            throw APIResponse.error(status: Int(response.status.code), reason: response.status.reasonPhrase, body: body, url: url)
        }
        return (response, url)
    }
}
