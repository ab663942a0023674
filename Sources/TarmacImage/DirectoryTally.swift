import Foundation

/// How many entries and regular-file bytes a directory tree holds (symlinks not followed).
struct DirectoryTally: Sendable {
    var entries = 0
    var bytes: Int64 = 0

    init(counting directory: URL) {
        let keys: [URLResourceKey] = [.isRegularFileKey, .fileSizeKey]
        guard let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: keys) else { return }
        for case let url as URL in enumerator {
            entries += 1
            if let values = try? url.resourceValues(forKeys: Set(keys)), values.isRegularFile == true {
                bytes += Int64(values.fileSize ?? 0)
            }
        }
    }
}
