import Foundation
import Testing
import TarmacModel

@Suite("ShellWords: splitting exec cmd strings")
struct ShellWordsTests {
    @Test(arguments: [
        ("ls -l", ["ls", "-l"]),
        ("  spaced \t out \n ", ["spaced", "out"]),
        ("", []),
        ("   ", []),
        ("sh -c 'echo hello world'", ["sh", "-c", "echo hello world"]),
        (#"sh -c "echo \"hi\" \$HOME \`x\` \\""#, ["sh", "-c", #"echo "hi" $HOME `x` \"#]),
        (#"keep "\n" backslash"#, ["keep", #"\n"#, "backslash"]),
        (#"a\ b c"#, ["a b", "c"]),
        (#"\'quoted\'"#, ["'quoted'"]),
        (#"say "it's""#, ["say", "it's"]),
        (#"single 'no \escapes\ here'"#, ["single", #"no \escapes\ here"#]),
        ("empty '' \"\" arg", ["empty", "", "", "arg"]),
        (#"--name="a b" x"#, ["--name=a b", "x"]),
        (#"con'cat'"enated""#, ["concatenated"]),
        ("$HOME *.txt ~ a|b; c>d", ["$HOME", "*.txt", "~", "a|b;", "c>d"]),
        ("ünïcödé '日本 語'", ["ünïcödé", "日本 語"]),
    ] as [(String, [String])])
    func splits(text: String, words: [String]) throws {
        #expect(try ShellWords.split(text) == words)
    }

    @Test(arguments: [
        ("'open", ShellWords.Failure.unterminatedSingleQuote),
        ("echo 'a''b", .unterminatedSingleQuote),
        (#""open"#, .unterminatedDoubleQuote),
        (#"echo "a\""#, .unterminatedDoubleQuote),
        (#"trailing\"#, .trailingBackslash),
    ] as [(String, ShellWords.Failure)])
    func rejects(text: String, failure: ShellWords.Failure) {
        #expect(throws: failure) { try ShellWords.split(text) }
    }
}
