import Foundation

/// Builds a small busybox root filesystem for test images (Debian's busybox-static).
enum BusyboxImage {
    static let applets = ["sh", "sleep", "httpd", "echo", "cat", "ls", "mkdir", "wget", "env", "pwd", "id", "kill", "trap", "true", "false", "seq", "yes", "head", "tail", "ps", "date", "hostname", "touch", "uname", "tty", "stty"]

    static func makeRootfs(at directory: URL) throws {
        let fm = FileManager.default
        guard let busybox = ["/bin/busybox", "/usr/bin/busybox"].first(where: { fm.isExecutableFile(atPath: $0) }) else {
            throw FixtureError("busybox is not installed: apt-get install busybox-static")
        }
        for sub in ["bin", "etc", "www", "tmp", "proc", "sys", "dev", "data"] {
            try fm.createDirectory(at: directory.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        try fm.copyItem(atPath: busybox, toPath: directory.appendingPathComponent("bin/busybox").path)
        for applet in applets {
            try fm.createSymbolicLink(atPath: directory.appendingPathComponent("bin/\(applet)").path, withDestinationPath: "busybox")
        }
        try "root:x:0:0:root:/root:/bin/sh\nwww:x:1000:1000:www:/www:/bin/sh\n".write(to: directory.appendingPathComponent("etc/passwd"), atomically: true, encoding: .utf8)
        try "root:x:0:\nwww:x:1000:\n".write(to: directory.appendingPathComponent("etc/group"), atomically: true, encoding: .utf8)
        try "hello from tarmac\n".write(to: directory.appendingPathComponent("www/index.html"), atomically: true, encoding: .utf8)
    }
}
