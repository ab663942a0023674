// swift-tools-version: 6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "tarmac",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "tarmac", targets: ["tarmac"]),
        .executable(name: "tarmac-init", targets: ["tarmac-init"]),
        .executable(name: "tarmac-shim", targets: ["tarmac-shim"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.4.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.5.0"),
    ],
    targets: [
        // Pure API types, IDs, durations, lenient decoding, validation. No heavy deps.
        .target(name: "TarmacModel", swiftSettings: swiftSettings),
        // Host↔guest control protocol shared by the agent and tarmac-init. No Foundation.
        .target(name: "TarmacGuestProtocol", swiftSettings: swiftSettings),
        // PID 1 of every microVM; built static (scripts/build-guest.sh). Glibc only.
        .executableTarget(name: "tarmac-init", dependencies: ["TarmacGuestProtocol", "TarmacNetlink", "CTarmacInit", "CTarmacLinux"], swiftSettings: swiftSettings),
        // rtnetlink and named network namespaces (Glibc only): the guest's eth0 in
        // tarmac-init, the containers' namespaces and veths in TarmacNet.
        .target(name: "TarmacNetlink", dependencies: ["CTarmacLinux"], swiftSettings: swiftSettings),
        // tarmac-init's C shims: syscalls Swift's Glibc module does not import, and fork-to-exec.
        .target(name: "CTarmacInit"),
        // Linux calls Swift's Glibc module does not import (prctl, pidfd, close_range, epoll).
        .target(name: "CTarmacLinux"),
        // The per-container shim (start protocol, runc create/start, exit file). Glibc only:
        // no Foundation, so the shim is ready ~1 ms after its exec.
        .target(name: "TarmacShimCore", dependencies: ["CTarmacLinux"], swiftSettings: swiftSettings),
        // The shim the container driver starts, next to `tarmac`; linked statically (no
        // dynamic loading of the Swift runtime at each exec).
        .executableTarget(name: "tarmac-shim", dependencies: ["TarmacShimCore"], swiftSettings: swiftSettings,
                          linkerSettings: [.unsafeFlags(["-static-executable"], .when(platforms: [.linux]))]),
        // Wire types between the control plane and a host agent.
        .target(name: "TarmacAgentProtocol", dependencies: ["TarmacModel"], swiftSettings: swiftSettings),
        // Running external programs, pids, files: small OS helpers shared by runtime/net/image.
        .target(name: "TarmacSystem", dependencies: [
            "CTarmacLinux",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Subprocess", package: "swift-subprocess"),
            .product(name: "SystemPackage", package: "swift-system"),
        ], swiftSettings: swiftSettings),
        .target(name: "TarmacStore", dependencies: [
            "TarmacModel",
            .product(name: "GRDB", package: "GRDB.swift"),
        ], swiftSettings: swiftSettings),
        .target(name: "TarmacControl", dependencies: [
            "TarmacModel", "TarmacStore", "TarmacAgentProtocol",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: swiftSettings),
        // Metrics: swift-metrics over a Prometheus registry, and the text format Tarmac re-exports.
        .target(name: "TarmacMetrics", dependencies: [
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ], swiftSettings: swiftSettings),
        // Webhook delivery: the dispatcher service, HMAC-SHA256 signatures, retry backoff.
        .target(name: "TarmacWebhooks", dependencies: [
            "TarmacModel", "TarmacStore", "TarmacControl",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: swiftSettings),
        .target(name: "TarmacAPI", dependencies: [
            "TarmacModel", "TarmacControl",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOWebSocket", package: "swift-nio"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
        ], resources: [.copy("openapi.json")], swiftSettings: swiftSettings),
        // C libraries for TarmacImage: ISA-L gzip and libzstd (layers decompressed in-process).
        .systemLibrary(name: "CTarmacImage"),
        .target(name: "TarmacImage", dependencies: [
            "TarmacModel", "TarmacSystem", "CTarmacImage",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ], swiftSettings: swiftSettings),
        .target(name: "TarmacNet", dependencies: [
            "TarmacSystem", "TarmacNetlink",
            .product(name: "Logging", package: "swift-log"),
        ], swiftSettings: swiftSettings),
        .target(name: "TarmacRuntime", dependencies: [
            "TarmacModel", "TarmacSystem", "TarmacNet", "TarmacGuestProtocol", "TarmacShimCore", "CTarmacLinux",
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ], swiftSettings: swiftSettings),
        .target(name: "TarmacAgent", dependencies: [
            "TarmacModel", "TarmacAgentProtocol", "TarmacRuntime", "TarmacImage", "TarmacNet", "TarmacSystem", "TarmacMetrics", "CTarmacLinux",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: swiftSettings),
        // The agent wire, both sides from one route table: `AgentRouter` (Hummingbird, the
        // agent's) and `HTTPAgentClient` (AsyncHTTPClient, the control plane's).
        .target(name: "TarmacAgentWire", dependencies: [
            "TarmacAgentProtocol", "TarmacModel",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ], swiftSettings: swiftSettings),
        .target(name: "TarmacClient", dependencies: [
            "TarmacModel",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ], swiftSettings: swiftSettings),
        .target(name: "TarmacCLI", dependencies: [
            "TarmacModel", "TarmacClient", "TarmacImage", "TarmacRuntime", "TarmacAgent", "TarmacAgentProtocol", "TarmacAgentWire", "TarmacAPI", "TarmacControl", "TarmacStore", "TarmacWebhooks", "TarmacMetrics",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
            .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            "CTarmacLinux",
        ], swiftSettings: swiftSettings),
        .executableTarget(name: "tarmac", dependencies: ["TarmacCLI"], swiftSettings: swiftSettings),
        // Benchmark only (bench/cluster-scale.sh): many accounting-runtime agents in one process.
        .executableTarget(name: "tarmac-scale-agents", dependencies: [
            "TarmacAgentWire", "TarmacAgentProtocol", "TarmacModel",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        ], swiftSettings: swiftSettings),

        // Test-only helpers shared by the test targets (a manual clock …).
        .target(name: "TarmacTestSupport", path: "Tests/TarmacTestSupport"),
        .testTarget(name: "TarmacModelTests", dependencies: ["TarmacModel"]),
        .testTarget(name: "TarmacWebhooksTests", dependencies: ["TarmacWebhooks", "TarmacControl", "TarmacStore", "TarmacModel"]),
        .testTarget(name: "TarmacMetricsTests", dependencies: ["TarmacMetrics", .product(name: "CoreMetrics", package: "swift-metrics"), .product(name: "Prometheus", package: "swift-prometheus")]),
        .testTarget(name: "TarmacSystemTests", dependencies: ["TarmacSystem"]),
        .testTarget(name: "TarmacGuestProtocolTests", dependencies: ["TarmacGuestProtocol"]),
        .testTarget(name: "TarmacStoreTests", dependencies: ["TarmacStore", "TarmacModel"]),
        .testTarget(name: "TarmacControlTests", dependencies: [
            "TarmacControl", "TarmacStore", "TarmacModel", "TarmacAgentProtocol", "TarmacTestSupport",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "TarmacAgentTests", dependencies: ["TarmacAgent", "TarmacModel", "TarmacAgentProtocol", "TarmacRuntime", "TarmacImage", "TarmacTestSupport"]),
        .testTarget(name: "TarmacAgentWireTests", dependencies: [
            "TarmacAgentWire", "TarmacAgentProtocol", "TarmacModel",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .testTarget(name: "TarmacImageTests", dependencies: [
            "TarmacImage", "TarmacSystem",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        .testTarget(name: "TarmacRuntimeTests", dependencies: ["TarmacRuntime", "TarmacNet", "TarmacNetlink", "TarmacImage", "TarmacSystem", "TarmacModel", "TarmacGuestProtocol", "TarmacShimCore"]),
        .testTarget(name: "TarmacAPITests", dependencies: [
            "TarmacAPI", "TarmacControl", "TarmacStore", "TarmacModel", "TarmacAgentProtocol",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
        ]),
        .testTarget(name: "TarmacCLITests", dependencies: ["TarmacCLI", "TarmacClient", "TarmacModel"]),
        .testTarget(name: "TarmacIntegrationTests", dependencies: [
            "TarmacClient", "TarmacModel", "TarmacSystem", "TarmacNet",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
        ]),
    ]
)
