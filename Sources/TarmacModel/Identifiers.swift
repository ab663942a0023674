/// Generators and validators for the identifiers the Machines API uses.
public enum Identifiers {
    /// Machine IDs: 14 lowercase hex characters.
    public static func machineID() -> String { randomString(alphabet: hex, count: 14) }

    /// App IDs: 16 lowercase alphanumerics.
    public static func appID() -> String { randomString(alphabet: alnum, count: 16) }

    /// Webhook IDs: `wh_` and 16 lowercase alphanumerics.
    public static func webhookID() -> String { "wh_" + randomString(alphabet: alnum, count: 16) }

    /// Lease nonces: 12 lowercase hex characters.
    public static func leaseNonce() -> String { randomString(alphabet: hex, count: 12) }

    /// Generated machine names, `adjective-noun-NNNN`.
    public static func machineName() -> String {
        let adjective = adjectives.randomElement() ?? "quiet"
        let noun = nouns.randomElement() ?? "field"
        return "\(adjective)-\(noun)-\(Int.random(in: 1000...9999))"
    }

    public static func isMachineID(_ value: String) -> Bool {
        value.count == 14 && value.allSatisfy { hex.contains($0) }
    }

    /// Machine and app names: lowercase letters, digits and dashes, starting with a letter
    /// or digit, at most 63 characters (a DNS label, since names appear in `.internal` DNS).
    public static func isValidName(_ value: String) -> Bool {
        guard (1...63).contains(value.count), let first = value.first, first != "-", value.last != "-" else { return false }
        return value.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }
    }

    static let hex = Array("0123456789abcdef")
    static let alnum = Array("0123456789abcdefghijklmnopqrstuvwxyz")

    static func randomString(alphabet: [Character], count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in alphabet[Int(generator.next(upperBound: UInt(alphabet.count)))] })
    }

    static let adjectives = [
        "aged", "ancient", "autumn", "billowing", "bitter", "black", "blue", "bold", "broad", "broken", "calm", "cold",
        "cool", "crimson", "curly", "damp", "dark", "dawn", "delicate", "divine", "dry", "empty", "falling", "fancy",
        "flat", "floral", "fragrant", "frosty", "gentle", "green", "hidden", "holy", "icy", "jolly", "late", "lingering",
        "little", "lively", "long", "lucky", "misty", "morning", "muddy", "mute", "nameless", "noisy", "odd", "old",
        "orange", "patient", "plain", "polished", "proud", "purple", "quiet", "rapid", "raspy", "red", "restless",
        "rough", "round", "royal", "shiny", "shrill", "shy", "silent", "small", "snowy", "soft", "solitary", "sparkling",
        "spring", "square", "steep", "still", "summer", "super", "sweet", "throbbing", "tight", "tiny", "twilight",
        "wandering", "weathered", "white", "wild", "winter", "wispy", "withered", "yellow", "young",
    ]
    static let nouns = [
        "art", "band", "bar", "base", "bird", "block", "boat", "bonus", "bread", "breeze", "brook", "bush", "butterfly",
        "cake", "cell", "cherry", "cloud", "credit", "darkness", "dawn", "dew", "disk", "dream", "dust", "feather",
        "field", "fire", "firefly", "flower", "fog", "forest", "frog", "frost", "glade", "glitter", "grass", "hall",
        "hat", "haze", "heart", "hill", "king", "lab", "lake", "leaf", "limit", "math", "meadow", "mode", "moon",
        "morning", "mountain", "mouse", "mud", "night", "paper", "pine", "poetry", "pond", "queen", "rain", "recipe",
        "resonance", "rice", "river", "salad", "scene", "sea", "shadow", "shape", "silence", "sky", "smoke", "snow",
        "snowflake", "sound", "star", "sun", "sunset", "surf", "term", "thunder", "tooth", "tree", "truth", "union",
        "unit", "violet", "voice", "water", "waterfall", "wave", "wildflower", "wind", "wood",
    ]
}
