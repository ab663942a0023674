import Foundation

/// The Prometheus text exposition format, as far as Tarmac re-exports it: parsing a
/// machine's own metrics into families, adding labels to every sample, merging the
/// families of several machines (each family once, with one HELP and TYPE), rendering.
public struct PrometheusText: Sendable, Hashable {
    public struct Family: Sendable, Hashable {
        public var name: String
        public var help: String?
        public var type: String?
        public var samples: [String]
    }

    public private(set) var families: [Family] = []

    public init() {}

    /// Parses `text`, adding `labels` to each sample. Lines that are not samples, HELP or
    /// TYPE comments are dropped; so are samples with an unparsable name.
    public mutating func add(_ text: String, labels: [(String, String)]) {
        var current: String?
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            if line.hasPrefix("#") {
                let parts = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: true)
                guard parts.count >= 3, parts[1] == "HELP" || parts[1] == "TYPE" else { continue }
                let name = String(parts[2])
                current = name
                let value = parts.count > 3 ? String(parts[3]) : ""
                update(name) { family in
                    if parts[1] == "HELP" { family.help = family.help ?? value } else { family.type = family.type ?? value }
                }
                continue
            }
            guard let sample = Self.relabel(line, labels: labels) else { continue }
            let metric = Self.metricName(line)
            let family = current.map { metric.hasPrefix($0) ? $0 : metric } ?? metric
            update(family) { $0.samples.append(sample) }
        }
    }

    public func render() -> String {
        var out = ""
        for family in families {
            if let help = family.help { out += "# HELP \(family.name) \(help)\n" }
            if let type = family.type { out += "# TYPE \(family.name) \(type)\n" }
            for sample in family.samples { out += sample + "\n" }
        }
        return out
    }

    private mutating func update(_ name: String, _ change: (inout Family) -> Void) {
        if let index = families.firstIndex(where: { $0.name == name }) {
            change(&families[index])
        } else {
            var family = Family(name: name, help: nil, type: nil, samples: [])
            change(&family)
            families.append(family)
        }
    }

    static func metricName(_ line: String) -> String {
        String(line.prefix { $0 != "{" && $0 != " " && $0 != "\t" })
    }

    /// `name{a="b"} 1` with `labels` added after the sample's own (`name{a="b",machine_id="…"} 1`).
    static func relabel(_ line: String, labels: [(String, String)]) -> String? {
        let name = metricName(line)
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == ":" }), !(name.first?.isNumber ?? true) else { return nil }
        let added = labels.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",")
        var rest = line.dropFirst(name.count)
        if rest.first == "{" {
            guard let close = rest.lastIndex(of: "}") else { return nil }
            let own = rest[rest.index(after: rest.startIndex)..<close]
            rest = rest[rest.index(after: close)...]
            let all = own.isEmpty ? added : (added.isEmpty ? String(own) : own + "," + added)
            guard isValue(rest) else { return nil }
            return name + "{" + all + "}" + rest
        }
        guard isValue(rest) else { return nil }
        return added.isEmpty ? line : name + "{" + added + "}" + rest
    }

    /// Whether what follows a sample's name and labels is ` <value> [<timestamp>]`.
    static func isValue(_ rest: Substring) -> Bool {
        let fields = rest.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard (1...2).contains(fields.count), Double(fields[0]) != nil || ["+Inf", "-Inf", "NaN"].contains(fields[0]) else { return false }
        return fields.count == 1 || Int64(fields[1]) != nil
    }

    /// A label value with `\`, `"` and newlines escaped.
    public static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"").replacingOccurrences(of: "\n", with: "\\n")
    }
}
