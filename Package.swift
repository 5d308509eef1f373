// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "RadioIngest",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "radio-ingest", targets: ["radio-ingest"]),
        .library(name: "IngestCore", targets: ["IngestCore"]),
        .library(name: "IngestEngine", targets: ["IngestEngine"]),
        .library(name: "IngestTesting", targets: ["IngestTesting"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    ],
    targets: [
        // What an adapter imports: the protocol, the play model, requests, windows, keys, errors.
        .target(name: "IngestCore"),
        // Position-aware reading of YAML files (the config, adapter files).
        .target(name: "YAMLReading", dependencies: ["IngestCore", .product(name: "Yams", package: "Yams")]),
        // The run loop: HTTP, retries, paging, limits, the checkpoint ledger, the run summary.
        .target(
            name: "IngestEngine",
            dependencies: [
                "IngestCore", "YAMLReading",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "PostgresCatalog",
            dependencies: [
                // SQLiteCatalog for ScratchPreviewKeys: a preview's keys in a scratch file.
                "IngestCore", "IngestEngine", "SQLiteCatalog",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        // Adapters described by YAML files (config/adapters/*.yaml): no Swift needed.
        .target(
            name: "DeclarativeAdapters",
            dependencies: ["IngestCore", "YAMLReading", .product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "SQLiteCatalog",
            dependencies: [
                "IngestCore", "IngestEngine",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // Station adapters: one target each, importing only IngestCore.
        .target(name: "ABC", dependencies: ["IngestCore"], path: "Sources/Plugins/ABC"),
        .target(name: "KEXP", dependencies: ["IngestCore"], path: "Sources/Plugins/KEXP"),
        .target(name: "Spinitron", dependencies: ["IngestCore"], path: "Sources/Plugins/Spinitron"),
        .target(
            name: "IngestTesting",
            dependencies: [
                "IngestCore", "IngestEngine", "SQLiteCatalog", "PostgresCatalog",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "radio-ingest",
            dependencies: [
                "IngestCore", "IngestEngine", "PostgresCatalog", "SQLiteCatalog", "DeclarativeAdapters", "ABC", "KEXP", "Spinitron",
                .product(name: "Yams", package: "Yams"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
        .executableTarget(
            name: "radio-ingest-bench",
            dependencies: [
                "IngestCore", "IngestEngine", "PostgresCatalog", "SQLiteCatalog", "KEXP", "DeclarativeAdapters", "IngestTesting",
            ],
            path: "Benchmarks/radio-ingest-bench"
        ),
        .testTarget(name: "IngestCoreTests", dependencies: ["IngestCore"]),
        .testTarget(
            name: "DeclarativeAdapterTests",
            dependencies: [
                "DeclarativeAdapters", "IngestCore", "IngestEngine", "IngestTesting", "KEXP", "ABC", "Spinitron", "SQLiteCatalog",
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "KEXPTests",
            dependencies: ["KEXP", "IngestCore", "IngestTesting"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "ABCTests", dependencies: ["ABC", "IngestCore", "IngestTesting"], resources: [.copy("Fixtures")]),
        .testTarget(name: "SpinitronTests", dependencies: ["Spinitron", "IngestCore", "IngestTesting"], resources: [.copy("Fixtures")]),
        .testTarget(
            name: "IngestEngineTests",
            dependencies: ["IngestEngine", "IngestCore", "IngestTesting", "ABC", "KEXP", "Spinitron", "SQLiteCatalog", "PostgresCatalog"]
        ),
        .testTarget(
            name: "CatalogStoreTests",
            dependencies: [
                "IngestEngine", "IngestCore", "IngestTesting", "SQLiteCatalog", "PostgresCatalog", "KEXP",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "RadioIngestCLITests",
            dependencies: [
                "IngestTesting", "IngestCore", "IngestEngine", "KEXP", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
    ]
)
