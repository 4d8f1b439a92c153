// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Dropflow",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "dropflow", targets: ["DropflowCLI"]),
        .library(name: "DropflowKafka", targets: ["DropflowKafka"]),
        .library(name: "DropflowLocalBroker", targets: ["DropflowLocalBroker"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    ],
    targets: [
        // librdkafka, found through pkg-config. Written against the 2.0 API; scripts/setup.sh
        // installs >= 2.2 where the system's is older (2.0.2 cannot talk to Tansu).
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"]), .brew(["librdkafka"])]
        ),
        // The Kafka layer: configuration, producer, consumer, admin, errors, statistics,
        // librdkafka's mock cluster. No business logic.
        .target(
            name: "DropflowKafka",
            dependencies: [
                "CRdKafka",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Starts and stops a local Tansu broker (tests, the demo, `dropflow broker`).
        .target(
            name: "DropflowLocalBroker",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "DropflowCLI",
            dependencies: [
                "DropflowKafka",
                "DropflowLocalBroker",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "DropflowKafkaTests",
            dependencies: ["DropflowKafka", "DropflowLocalBroker"]
        ),
    ]
)
