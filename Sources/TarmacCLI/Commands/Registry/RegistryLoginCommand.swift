import ArgumentParser
import Foundation
import TarmacImage
#if canImport(Glibc)
import Glibc
#endif

/// `tarmac registry login HOST [-u USER] [--password-stdin]`.
struct RegistryLoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "login",
        abstract: "Store a login for a registry, after checking it against the registry.",
        discussion: """
            The registry's /v2/ endpoint is asked with the credentials (answering its basic or \
            token challenge) before anything is saved. Without --password-stdin the password is \
            read from the terminal without echo.
            """
    )

    @Argument(help: ArgumentHelp("Registry host, e.g. 127.0.0.1:5000 or docker.io.", valueName: "host"))
    var host: String

    @Option(name: [.short, .long], help: ArgumentHelp("User name (asked for when missing).", valueName: "user"))
    var username: String?

    @Flag(help: "Read the password from stdin (one line).")
    var passwordStdin = false

    @OptionGroup var registry: RegistryAccessOptions
    @OptionGroup var options: ImageStoreOptions

    func run() async throws {
        let key = RegistryCredentials.key(for: host)
        let user = try username ?? Self.prompt("Username: ")
        let password = try passwordStdin ? Self.readStdinLine() : Self.secret("Password: ")
        guard !user.isEmpty, !password.isEmpty else {
            throw CLIError(message: "a user name and a password are needed to log in to \(host)", exitCode: CLIError.usage).report()
        }
        let login = RegistryCredentials.Login(username: user, password: password)
        let file = RegistryCredentials.fileURL(dataDirectory: options.dataDirectory)
        try await options.withStore { _ in
            try await registry.withClient(dataDirectory: options.dataDirectory) { client in
                try await client.verifyLogin(host: key, login: login)
            }
            var credentials = try RegistryCredentials.read(file)
            credentials.auths[key] = login
            try credentials.write(file)
        }
        if options.json { return Console.line(ImageStoreOptions.json(["registry": key, "username": user])) }
        Console.line("logged in to \(key) as \(user)")
    }

    static func prompt(_ text: String) throws -> String {
        Console.writeError(text)
        guard let line = Swift.readLine() else {
            throw CLIError(message: "no user name given; pass -u USER", exitCode: CLIError.usage).report()
        }
        return line.trimmingCharacters(in: .whitespaces)
    }

    static func readStdinLine() throws -> String {
        guard let line = Swift.readLine(strippingNewline: true) else {
            throw CLIError(message: "--password-stdin given but stdin is empty", exitCode: CLIError.usage).report()
        }
        return line
    }

    static func secret(_ text: String) throws -> String {
        guard isatty(STDIN_FILENO) != 0, let pointer = getpass(text) else {
            throw CLIError(message: "cannot read a password without a terminal; pass it with --password-stdin", exitCode: CLIError.usage).report()
        }
        return String(cString: pointer)
    }
}
