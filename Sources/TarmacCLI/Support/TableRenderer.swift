/// Renders rows as a plain-text table: a header line, columns padded to their widest
/// cell and separated by two spaces, no trailing whitespace.
enum TableRenderer {
    static func render(headers: [String], rows: [[String]]) -> String {
        let columnCount = max(headers.count, rows.map(\.count).max() ?? 0)
        let all = [headers] + rows
        var widths = [Int](repeating: 0, count: columnCount)
        for row in all {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) }
        }
        return all.map { row in
            var line = ""
            for index in 0..<columnCount {
                let cell = index < row.count ? row[index] : ""
                line += cell
                if index < columnCount - 1 {
                    line += String(repeating: " ", count: widths[index] - cell.count + 2)
                }
            }
            return trimmingTrailingSpaces(line)
        }.joined(separator: "\n")
    }

    /// Renders `label: value` pairs with the values aligned.
    static func keyValues(_ pairs: [(String, String)], indent: String = "") -> String {
        let width = (pairs.map { $0.0.count }.max() ?? 0) + 1
        return pairs.map { label, value in
            let key = label + ":"
            let line = indent + key + String(repeating: " ", count: width - key.count + 1) + value
            return trimmingTrailingSpaces(line)
        }.joined(separator: "\n")
    }

    static func trimmingTrailingSpaces(_ text: String) -> String {
        var copy = text
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}
