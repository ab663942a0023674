/// What the proxy does with an idle machine of a service.
///
/// Decodes `false`/`true` and `"off"`/`"stop"`/`"suspend"` (also `"false"`/`"true"`, as
/// fly-go's text form); encodes `off` as `false`, `stop` as `true` and `suspend` as
/// `"suspend"`, the shapes Fly answers with for older clients' sake.
public enum ServiceAutostop: String, Sendable, Hashable, Codable, CaseIterable {
    case off
    case stop
    case suspend

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let flag = try? container.decode(Bool.self) {
            self = flag ? .stop : .off
            return
        }
        guard let text = try? container.decode(String.self) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected a boolean or \"off\", \"stop\" or \"suspend\"")
        }
        switch text {
        case "off", "false": self = .off
        case "stop", "true": self = .stop
        case "suspend": self = .suspend
        default:
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "must be false, true, \"off\", \"stop\" or \"suspend\", got \"\(text)\"")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .off: try container.encode(false)
        case .stop: try container.encode(true)
        case .suspend: try container.encode(Self.suspend.rawValue)
        }
    }
}
