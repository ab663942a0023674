import ArgumentParser
import Testing
@testable import TarmacCLI

@Suite struct ClientSettingsTests {
    func resolve(api: String? = nil, token: String? = nil, env: [String: String], files: [String: String] = [:]) -> ClientSettings.Resolved {
        ClientSettings.resolve(apiFlag: api, tokenFlag: token, environment: env, readFile: { files[$0] })
    }

    @Test func flagsWinOverEnvironmentAndFile() {
        let env = ["TARMAC_API_URL": "http://env:1", "TARMAC_API_TOKEN": "env-token", "HOME": "/home/u"]
        let files = ["/home/u/.tarmac/admin-token": "file-token\n"]
        #expect(resolve(api: "http://flag:2", token: "flag-token", env: env, files: files) == .init(baseURL: "http://flag:2", token: "flag-token"))
        #expect(resolve(env: env, files: files) == .init(baseURL: "http://env:1", token: "env-token"))
    }

    @Test func fallsBackToDefaultsAndTheAdminTokenFile() {
        let files = ["/home/u/.tarmac/admin-token": "  file-token\n", "/data/admin-token": "data-token"]
        #expect(resolve(env: ["HOME": "/home/u"], files: files) == .init(baseURL: "http://127.0.0.1:4280", token: "file-token"))
        #expect(resolve(env: ["HOME": "/home/u/", "TARMAC_DATA_DIR": "/data"], files: files).token == "data-token")
        #expect(resolve(env: ["HOME": "/elsewhere"], files: files).token == nil)
        #expect(resolve(env: [:], files: files).token == nil)
        #expect(resolve(env: ["HOME": "/home/u", "TARMAC_API_TOKEN": ""], files: files).token == "file-token", "empty values count as unset")
        #expect(resolve(env: ["HOME": "/home/u"], files: ["/home/u/.tarmac/admin-token": "\n"]).token == nil)
    }

    @Test func appResolution() throws {
        #expect(try ClientSettings.resolveApp(flag: "web", environment: ["TARMAC_APP": "env"]) == "web")
        #expect(try ClientSettings.resolveApp(flag: nil, environment: ["TARMAC_APP": "env"]) == "env")
        #expect(throws: ValidationError.self) { try ClientSettings.resolveApp(flag: nil, environment: [:]) }
    }
}
