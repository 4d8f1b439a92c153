// swift-tools-version: 6.0
import PackageDescription

// The layers, each depending only on those above it (ARCHITECTURE.md; scripts/check-layers.sh
// checks this file):
//   platform: Core → JSON → Contract → Kafka, LocalBroker, Observability → Runtime → WorkerHost
//   stages:   Pipeline → <stage> decision modules (pure: no Kafka, runtime or HTTP) → Stages (adapters, catalog)
//   world:    Simulator → SimulatorLive
//   tools:    Demo, Bench, Training; the executable (argument parsing only)

let log = Target.Dependency.product(name: "Logging", package: "swift-log")
let metrics = Target.Dependency.product(name: "Metrics", package: "swift-metrics")
let lifecycle = Target.Dependency.product(name: "ServiceLifecycle", package: "swift-service-lifecycle")

let package = Package(
    name: "Dropflow",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "dropflow", targets: ["DropflowCLI"]),
        .library(name: "DropflowCore", targets: ["DropflowCore"]),
        .library(name: "DropflowJSON", targets: ["DropflowJSON"]),
        .library(name: "DropflowContract", targets: ["DropflowContract"]),
        .library(name: "DropflowKafka", targets: ["DropflowKafka"]),
        .library(name: "DropflowLocalBroker", targets: ["DropflowLocalBroker"]),
        .library(name: "DropflowObservability", targets: ["DropflowObservability"]),
        .library(name: "DropflowRuntime", targets: ["DropflowRuntime"]),
        .library(name: "DropflowSimulator", targets: ["DropflowSimulator"]),
        .library(name: "DropflowSimulatorLive", targets: ["DropflowSimulatorLive"]),
        .library(name: "DropflowFraudModel", targets: ["DropflowFraudModel"]),
        .library(name: "DropflowPipeline", targets: ["DropflowPipeline"]),
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
        // MARK: Platform

        // Hashing, the one PRNG, RFC 3339 dates, a lock, durations, child processes. No dependencies.
        .target(name: "DropflowCore", path: "Sources/Platform/Core"),
        // JSON values, parser and writer, and a JSON Schema (2020-12 subset) validator.
        .target(name: "DropflowJSON", dependencies: ["DropflowCore"], path: "Sources/Platform/JSON"),
        // The Kafka contract: topics, headers, schemas and examples (generated), money, typed messages.
        .target(name: "DropflowContract", dependencies: ["DropflowCore", "DropflowJSON"], path: "Sources/Platform/Contract"),
        // librdkafka, found through pkg-config. Written against the 2.0 API; scripts/setup.sh
        // installs >= 2.2 where the system's is older (2.0.2 cannot talk to Tansu).
        .systemLibrary(
            name: "CRdKafka",
            path: "Sources/Platform/CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"]), .brew(["librdkafka"])]
        ),
        // The Kafka layer: configuration, producer, consumer, admin, errors, statistics,
        // librdkafka's mock cluster. No business logic.
        .target(name: "DropflowKafka", dependencies: ["CRdKafka", "DropflowCore", log], path: "Sources/Platform/Kafka"),
        // Starts and stops a local Tansu broker (tests, the demo, `dropflow broker`).
        .target(name: "DropflowLocalBroker", dependencies: ["DropflowCore", log], path: "Sources/Platform/LocalBroker"),
        // Logging set-up (human or JSON lines), Prometheus metrics, and the HTTP endpoints
        // /metrics, /health/live and /health/ready.
        .target(
            name: "DropflowObservability",
            dependencies: [
                "DropflowCore", log, metrics, lifecycle,
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            path: "Sources/Platform/Observability"
        ),
        // The stage runtime: at-least-once consume-transform-produce workers.
        .target(
            name: "DropflowRuntime",
            dependencies: ["DropflowCore", "DropflowJSON", "DropflowContract", "DropflowKafka", log, metrics, lifecycle],
            path: "Sources/Platform/Runtime"
        ),
        // What tests that need Kafka share: a cluster of their own, reading topics to the end.
        .target(
            name: "DropflowTesting",
            dependencies: ["DropflowCore", "DropflowKafka", "DropflowLocalBroker", "DropflowRuntime", log, lifecycle],
            path: "Sources/Platform/RuntimeTesting"
        ),

        // MARK: Stages

        // The fraud model, free of Kafka: features, velocity windows, training,
        // calibration, metrics, explanations, the model file.
        .target(
            name: "DropflowFraudModel",
            dependencies: ["DropflowCore", "DropflowJSON", "DropflowContract"],
            path: "Sources/Stages/Fraud/Model",
            exclude: ["README.md"]
        ),
        // The pipeline's own topics (the topology) and the messages on them.
        .target(name: "DropflowPipeline", dependencies: ["DropflowCore", "DropflowJSON", "DropflowContract"], path: "Sources/Stages/Pipeline"),
        // The stages' decision logic and their StageDefinitions (intake, fraud check, ...).
        .target(
            name: "DropflowStages",
            dependencies: ["DropflowCore", "DropflowJSON", "DropflowContract", "DropflowPipeline", "DropflowRuntime", "DropflowFraudModel", log],
            path: "Sources/Stages",
            exclude: ["Fraud/Model", "Pipeline"]
        ),

        // MARK: The simulated world

        // A deterministic simulator of the world around the pipeline (catalogue, suppliers, carriers,
        // customers, orders, fraud, scenarios) that speaks only the contract.
        .target(
            name: "DropflowSimulator",
            dependencies: ["DropflowCore", "DropflowJSON", "DropflowContract"],
            path: "Sources/Simulator/World",
            exclude: ["README.md"]
        ),
        // The simulator against a broker: publishes the world at a rate and answers the
        // pipeline's purchase orders as they come.
        .target(
            name: "DropflowSimulatorLive",
            dependencies: ["DropflowCore", "DropflowJSON", "DropflowSimulator", "DropflowKafka", "DropflowContract", log],
            path: "Sources/Simulator/Live"
        ),

        // MARK: The executable

        .executableTarget(
            name: "DropflowCLI",
            dependencies: [
                "DropflowCore", "DropflowJSON", "DropflowKafka", "DropflowLocalBroker", "DropflowRuntime", "DropflowContract",
                "DropflowObservability", "DropflowSimulator", "DropflowSimulatorLive", "DropflowFraudModel", "DropflowPipeline", "DropflowStages",
                lifecycle, log,
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/CLI"
        ),

        // MARK: Tests

        .testTarget(name: "DropflowCoreTests", dependencies: ["DropflowCore"]),
        .testTarget(name: "DropflowKafkaTests", dependencies: ["DropflowKafka", "DropflowLocalBroker"]),
        .testTarget(name: "DropflowContractTests", dependencies: ["DropflowCore", "DropflowJSON", "DropflowContract"]),
        .testTarget(
            name: "DropflowObservabilityTests",
            dependencies: ["DropflowCore", "DropflowObservability", .product(name: "HummingbirdTesting", package: "hummingbird")]
        ),
        .testTarget(name: "DropflowSimulatorTests", dependencies: ["DropflowCore", "DropflowJSON", "DropflowSimulator", "DropflowContract"]),
        .testTarget(
            name: "DropflowSimulatorLiveTests",
            dependencies: ["DropflowCore", "DropflowJSON", "DropflowSimulatorLive", "DropflowSimulator", "DropflowKafka",
                           "DropflowLocalBroker", "DropflowContract", "DropflowTesting"]
        ),
        .testTarget(
            name: "DropflowFraudModelTests",
            dependencies: ["DropflowCore", "DropflowJSON", "DropflowFraudModel", "DropflowSimulator", "DropflowContract"]
        ),
        .testTarget(
            name: "DropflowStagesTests",
            dependencies: ["DropflowCore", "DropflowJSON", "DropflowPipeline", "DropflowStages", "DropflowRuntime", "DropflowFraudModel",
                           "DropflowSimulator", "DropflowKafka", "DropflowLocalBroker", "DropflowContract", "DropflowTesting"]
        ),
        .testTarget(
            name: "DropflowRuntimeTests",
            dependencies: ["DropflowCore", "DropflowJSON", "DropflowRuntime", "DropflowKafka", "DropflowLocalBroker",
                           "DropflowContract", "DropflowTesting"]
        ),
    ]
)
