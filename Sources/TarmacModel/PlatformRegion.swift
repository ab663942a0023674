/// One region of the installation as `GET /v1/platform/regions` lists it, in Fly's shape.
public struct PlatformRegion: Sendable, Hashable, Codable {
    public var code: String
    public var name: String
    public var latitude: Double
    public var longitude: Double
    public var gatewayAvailable: Bool
    public var requiresPaidPlan: Bool
    public var deprecated: Bool
    public var geoRegion: String
    public var mpgAvailable: Bool

    public init(code: String, name: String, latitude: Double, longitude: Double, geoRegion: String) {
        self.code = code
        self.name = name
        self.latitude = latitude
        self.longitude = longitude
        self.gatewayAvailable = true
        self.requiresPaidPlan = false
        self.deprecated = false
        self.geoRegion = geoRegion
        self.mpgAvailable = false
    }

    enum CodingKeys: String, CodingKey {
        case code, name, latitude, longitude, deprecated
        case gatewayAvailable = "gateway_available"
        case requiresPaidPlan = "requires_paid_plan"
        case geoRegion = "geo_region"
        case mpgAvailable = "mpg_available"
    }

    /// Fly's region codes with their city and coordinates, so hosts named after them get a
    /// real name and position (placement and the proxy can measure distance). A region not
    /// in it is listed under its code, at 0, 0.
    public static let known: [String: (name: String, latitude: Double, longitude: Double, geo: String)] = [
        "ams": ("Amsterdam, Netherlands", 52.37, 4.90, "eu"), "arn": ("Stockholm, Sweden", 59.65, 17.93, "eu"),
        "atl": ("Atlanta, Georgia (US)", 33.64, -84.43, "na"), "bog": ("Bogotá, Colombia", 4.70, -74.14, "sa"),
        "bom": ("Mumbai, India", 19.09, 72.87, "ap"), "bos": ("Boston, Massachusetts (US)", 42.37, -71.01, "na"),
        "cdg": ("Paris, France", 48.86, 2.35, "eu"), "den": ("Denver, Colorado (US)", 39.74, -104.99, "na"),
        "dfw": ("Dallas, Texas (US)", 32.78, -96.80, "na"), "ewr": ("Secaucus, NJ (US)", 40.79, -74.06, "na"),
        "eze": ("Ezeiza, Argentina", -34.82, -58.54, "sa"), "fra": ("Frankfurt, Germany", 50.11, 8.68, "eu"),
        "gdl": ("Guadalajara, Mexico", 20.67, -103.35, "na"), "gig": ("Rio de Janeiro, Brazil", -22.81, -43.25, "sa"),
        "gru": ("Sao Paulo, Brazil", -23.55, -46.63, "sa"), "hkg": ("Hong Kong, Hong Kong", 22.25, 114.20, "ap"),
        "iad": ("Ashburn, Virginia (US)", 39.04, -77.49, "na"), "jnb": ("Johannesburg, South Africa", -26.20, 28.05, "af"),
        "lax": ("Los Angeles, California (US)", 33.94, -118.41, "na"), "lhr": ("London, United Kingdom", 51.51, -0.13, "eu"),
        "mad": ("Madrid, Spain", 40.42, -3.70, "eu"), "mia": ("Miami, Florida (US)", 25.79, -80.29, "na"),
        "nrt": ("Tokyo, Japan", 35.62, 139.78, "ap"), "ord": ("Chicago, Illinois (US)", 41.88, -87.63, "na"),
        "otp": ("Bucharest, Romania", 44.43, 26.10, "eu"), "phx": ("Phoenix, Arizona (US)", 33.45, -112.07, "na"),
        "qro": ("Querétaro, Mexico", 20.59, -100.39, "na"), "scl": ("Santiago, Chile", -33.45, -70.67, "sa"),
        "sea": ("Seattle, Washington (US)", 47.61, -122.33, "na"), "sin": ("Singapore, Singapore", 1.35, 103.82, "ap"),
        "sjc": ("San Jose, California (US)", 37.34, -121.89, "na"), "syd": ("Sydney, Australia", -33.87, 151.21, "oc"),
        "waw": ("Warsaw, Poland", 52.23, 21.01, "eu"), "yul": ("Montreal, Canada", 45.50, -73.57, "na"),
        "yyz": ("Toronto, Canada", 43.65, -79.38, "na"),
    ]

    /// The region `code` with what `known` says of it.
    public static func named(_ code: String) -> PlatformRegion {
        guard let known = known[code] else { return PlatformRegion(code: code, name: code, latitude: 0, longitude: 0, geoRegion: "") }
        return PlatformRegion(code: code, name: known.name, latitude: known.latitude, longitude: known.longitude, geoRegion: known.geo)
    }
}

/// `GET /v1/platform/regions`: the regions that have hosts, and the one a request that names
/// none is placed in.
public struct PlatformRegions: Sendable, Hashable, Codable {
    public var regions: [PlatformRegion]
    public var nearest: String

    public init(regions: [PlatformRegion], nearest: String) {
        self.regions = regions
        self.nearest = nearest
    }
}
