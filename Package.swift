// swift-tools-version: 6.1
import PackageDescription

/// One set of settings for every target: Swift 6 language mode with strict concurrency.
let swiftSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "gitops-proof",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "proof", targets: ["proof"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
    ],
    targets: [
        // MARK: C libraries
        // libcurl's headers (libcurl4-openssl-dev); the library itself is loaded when first needed (shim.c).
        .target(name: "ProofCCurl", linkerSettings: [.linkedLibrary("dl")]),
        .systemLibrary(
            name: "ProofCCodecs",
            providers: [.apt(["zlib1g-dev", "liblz4-dev"])]
        ),
        // Finding where a list item ends, 64 bytes at a time (SSE2 where the compiler has it).
        .target(name: "ProofCScan"),
        // Linux calls Swift's Glibc does not import (sync_file_range); libc only.
        .systemLibrary(name: "ProofCSystem"),

        // MARK: Libraries
        .target(
            name: "ProofCore",
            dependencies: ["ProofCScan", .product(name: "Crypto", package: "swift-crypto"), .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ProofCluster",
            dependencies: ["ProofCore", "ProofCCurl", .product(name: "Logging", package: "swift-log"), .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ProofStore",
            dependencies: [
                "ProofCore", "ProofCCodecs", "ProofCSystem", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ProofScenario",
            dependencies: [
                "ProofCore", "ProofCluster", "ProofStore",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Subprocess", package: "swift-subprocess"),
            ],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ProofReport",
            dependencies: ["ProofCore", "ProofStore"],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ProofSim",
            dependencies: [
                "ProofCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // The published Kubernetes JSON schemas the API server validates against (see its SOURCE.md), and the
            // platform's real CRD manifests (Resources/crds/SOURCES.md names where each comes from).
            resources: [.copy("Resources/kubernetes-json-schema"), .copy("Resources/crds")],
            swiftSettings: swiftSettings
        ),
        .target(
            name: "ProofCommands",
            dependencies: [
                "ProofCore", "ProofCluster", "ProofStore", "ProofScenario", "ProofReport", "ProofSim",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),

        // MARK: Executable
        .executableTarget(
            name: "proof",
            dependencies: ["ProofCommands"],
            swiftSettings: swiftSettings
        ),

        // MARK: Fuzzing (scripts/fuzz.sh; docs/reliability.md)
        .target(
            name: "ProofFuzz", dependencies: ["ProofScenario", "ProofCluster"], path: "Fuzz/ProofFuzz",
            swiftSettings: swiftSettings
        ),
        .executableTarget(name: "proof-fuzz", dependencies: ["ProofFuzz"], path: "Fuzz/Driver", swiftSettings: swiftSettings),

        // MARK: Tests
        .testTarget(name: "ProofCoreTests", dependencies: ["ProofCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ProofSimTests", dependencies: ["ProofSim", "ProofCore", "ProofCluster"],
            exclude: ["Fixtures", "Conformance/Fixtures"], swiftSettings: swiftSettings
        ),
        .testTarget(name: "ProofStoreTests", dependencies: ["ProofStore", "ProofCore"], swiftSettings: swiftSettings),
        .testTarget(
            name: "ProofScenarioTests",
            dependencies: ["ProofScenario", "ProofCore", "ProofStore", "ProofCluster", "ProofSim", "ProofReport", "ProofFuzz"],
            exclude: ["Capture/Snapshots"], swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ProofReportTests", dependencies: ["ProofReport", "ProofCore", "ProofStore"],
            exclude: ["Snapshots"], swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ProofCommandsTests",
            dependencies: ["ProofCommands", "ProofScenario", "ProofCore", "ProofStore", "ProofSim"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "ProofClusterTests", dependencies: ["ProofCluster", "ProofCore", "ProofSim"],
            exclude: ["Fixtures"], swiftSettings: swiftSettings
        ),
    ]
)
