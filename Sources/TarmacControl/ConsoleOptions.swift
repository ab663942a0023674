import Foundation
import TarmacAgentProtocol
import TarmacModel

/// A validated console request (`…/machines/{id}/console/ws` query): the command (a shell by
/// default), the user, the terminal's size and type. Pure.
public struct ConsoleOptions: Sendable, Hashable {
    public static let defaultCommand = ["/bin/sh"]
    public static let sizeRange: ClosedRange<Int> = 1...1000

    public var request: AgentConsoleRequest

    public init(command: String?, user: String?, rows: String?, columns: String?, term: String?) throws {
        var argv = Self.defaultCommand
        if let command, !command.trimmingCharacters(in: .whitespaces).isEmpty {
            do {
                argv = try ShellWords.split(command)
            } catch {
                throw ControlError(.badRequest, "invalid_argument: command: \(error) in \(command.debugDescription)")
            }
            guard argv.first.map({ !$0.isEmpty }) ?? false else {
                throw ControlError(.badRequest, "invalid_argument: command: the program must not be empty")
            }
        }
        let term = term.flatMap { $0.isEmpty ? nil : $0 } ?? "xterm-256color"
        guard term.count <= 64, term.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-._+".contains($0)) }) else {
            throw ControlError(.badRequest, "invalid_argument: term must be a terminal type such as xterm-256color, got \(term.debugDescription)")
        }
        let user = user.flatMap { $0.isEmpty ? nil : $0 }
        if let user, user.count > 64 || user.contains(where: { $0.isWhitespace || $0 == "/" }) {
            throw ControlError(.badRequest, "invalid_argument: user must be a user name or uid[:gid], got \(user.debugDescription)")
        }
        request = AgentConsoleRequest(
            command: argv, environment: ["TERM=\(term)"], user: user,
            rows: try Self.size(rows, name: "rows", default: 24), columns: try Self.size(columns, name: "cols", default: 80))
    }

    private static func size(_ text: String?, name: String, default value: UInt16) throws -> UInt16 {
        guard let text, !text.isEmpty else { return value }
        guard let number = Int(text), sizeRange.contains(number) else {
            throw ControlError(.badRequest, "invalid_argument: \(name) must be a whole number from \(sizeRange.lowerBound) to \(sizeRange.upperBound), got \(text.debugDescription)")
        }
        return UInt16(number)
    }
}
