import ArgumentParser

struct ImageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "image", abstract: "placeholder")
    func run() async throws {}
}
