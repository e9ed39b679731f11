// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "wholesail",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "wholesail", targets: ["WholesailCLI"]),
        // The modules below the CLI, for the separate benchmark package (Benchmarks/Package.swift).
        .library(name: "WholesailKit", targets: ["WholesailCore", "WholesailStore", "WholesailServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // Templates, static files, translations and schema.sql, embedded with C23 #embed.
        .target(name: "CWholesailAssets", path: "Sources/CWholesailAssets"),
        // OpenSSL's libcrypto (SHA-256, HMAC, scrypt, random bytes).
        .systemLibrary(
            name: "COpenSSL",
            path: "Sources/COpenSSL",
            providers: [.apt(["libssl-dev"])]
        ),
        // zlib: upload parts are stored compressed (the release binary links libz.a already).
        .systemLibrary(
            name: "CWholesailZlib",
            path: "Sources/CWholesailZlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .target(name: "WholesailResources", dependencies: ["CWholesailAssets"]),
        .target(name: "WholesailCore"),
        .target(
            name: "WholesailStore",
            dependencies: [
                "WholesailCore",
                "WholesailResources",
                "COpenSSL",
                "CWholesailZlib",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .target(
            name: "WholesailServer",
            dependencies: [
                "WholesailCore",
                "WholesailStore",
                "WholesailResources",
                "CWholesailAssets",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ]
        ),
        .executableTarget(
            name: "WholesailCLI",
            dependencies: [
                "WholesailServer",
                "CWholesailAssets",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // Release builds on Linux are one fully static ELF (glibc, Swift runtime, Foundation+ICU,
            // libsqlite3.a with FTS5, libcrypto.a, libz.a). Debug and test builds stay dynamic.
            linkerSettings: [
                .unsafeFlags(["-static-executable"], .when(platforms: [.linux], configuration: .release))
            ]
        ),
        .target(
            name: "WholesailTestSupport",
            dependencies: ["WholesailCore", "WholesailStore"],
            path: "Tests/WholesailTestSupport"
        ),
        .testTarget(name: "WholesailCoreTests", dependencies: ["WholesailCore", "WholesailTestSupport"]),
        .testTarget(name: "WholesailStoreTests", dependencies: ["WholesailStore", "WholesailTestSupport"]),
        .testTarget(
            name: "WholesailServerTests",
            dependencies: [
                "WholesailServer",
                "WholesailTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                // The reference the portal's own template engine is compared with.
                .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),
        .testTarget(name: "WholesailCLITests", dependencies: ["WholesailCLI", "WholesailTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
