// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Dropflow",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "dropflow", targets: ["DropflowCLI"]),
        .library(name: "DropflowKafka", targets: ["DropflowKafka"]),
        .library(name: "DropflowLocalBroker", targets: ["DropflowLocalBroker"]),
        .library(name: "DropflowContract", targets: ["DropflowContract"]),
        .library(name: "DropflowObservability", targets: ["DropflowObservability"]),
        .library(name: "DropflowRuntime", targets: ["DropflowRuntime"]),
        .library(name: "DropflowSimulator", targets: ["DropflowSimulator"]),
        .library(name: "DropflowSimulatorLive", targets: ["DropflowSimulatorLive"]),
        .library(name: "DropflowFraudModel", targets: ["DropflowFraudModel"]),
        .library(name: "DropflowStages", targets: ["DropflowStages"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
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
        // The Kafka contract: a JSON value type, a JSON Schema (2020-12 subset)
        // validator, and the contract's schemas embedded in the binary.
        .target(name: "DropflowContract"),
        // Logging set-up (human or JSON lines), Prometheus metrics, and the HTTP
        // endpoints /metrics, /health/live and /health/ready.
        .target(
            name: "DropflowObservability",
            dependencies: [
                "DropflowContract",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The stage runtime: at-least-once consume-transform-produce workers.
        .target(
            name: "DropflowRuntime",
            dependencies: [
                "DropflowKafka",
                "DropflowContract",
                "DropflowObservability",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // A deterministic simulator of the world around the pipeline (catalogue, suppliers,
        // carriers, customers, orders, fraud, scenarios) that speaks only the contract.
        .target(
            name: "DropflowSimulator",
            dependencies: ["DropflowContract"]
        ),
        // The simulator against a broker: publishes the world at a rate and answers the
        // pipeline's purchase orders as they come.
        .target(
            name: "DropflowSimulatorLive",
            dependencies: [
                "DropflowSimulator",
                "DropflowKafka",
                "DropflowContract",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The fraud model, free of Kafka: features, velocity windows, training,
        // calibration, metrics, explanations, the model file.
        .target(
            name: "DropflowFraudModel",
            dependencies: ["DropflowContract"]
        ),
        // The stages' decision logic and their StageDefinitions (intake, fraud check, ...).
        .target(
            name: "DropflowStages",
            dependencies: [
                "DropflowRuntime",
                "DropflowContract",
                "DropflowObservability",
                "DropflowFraudModel",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "DropflowCLI",
            dependencies: [
                "DropflowKafka",
                "DropflowLocalBroker",
                "DropflowRuntime",
                "DropflowContract",
                "DropflowObservability",
                "DropflowSimulator",
                "DropflowSimulatorLive",
                "DropflowFraudModel",
                "DropflowStages",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // What tests that need Kafka share: a cluster of their own, reading topics to the end.
        .target(
            name: "DropflowTesting",
            dependencies: [
                "DropflowKafka",
                "DropflowLocalBroker",
                "DropflowRuntime",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(
            name: "DropflowKafkaTests",
            dependencies: ["DropflowKafka", "DropflowLocalBroker"]
        ),
        .testTarget(
            name: "DropflowContractTests",
            dependencies: ["DropflowContract"]
        ),
        .testTarget(
            name: "DropflowObservabilityTests",
            dependencies: [
                "DropflowObservability",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "DropflowSimulatorTests",
            dependencies: ["DropflowSimulator", "DropflowContract"]
        ),
        .testTarget(
            name: "DropflowSimulatorLiveTests",
            dependencies: ["DropflowSimulatorLive", "DropflowSimulator", "DropflowKafka", "DropflowLocalBroker", "DropflowContract",
                           "DropflowTesting"]
        ),
        .testTarget(
            name: "DropflowFraudModelTests",
            dependencies: ["DropflowFraudModel", "DropflowSimulator", "DropflowContract"]
        ),
        .testTarget(
            name: "DropflowStagesTests",
            dependencies: ["DropflowStages", "DropflowRuntime", "DropflowFraudModel", "DropflowSimulator", "DropflowKafka",
                           "DropflowLocalBroker", "DropflowContract", "DropflowTesting"]
        ),
        .testTarget(
            name: "DropflowRuntimeTests",
            dependencies: ["DropflowRuntime", "DropflowKafka", "DropflowLocalBroker", "DropflowContract", "DropflowTesting"]
        ),
    ]
)
