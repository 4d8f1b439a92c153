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
        .library(name: "DropflowWorkerHost", targets: ["DropflowWorkerHost"]),
        .library(name: "DropflowSimulator", targets: ["DropflowSimulator"]),
        .library(name: "DropflowSimulatorLive", targets: ["DropflowSimulatorLive"]),
        .library(name: "DropflowFraudModel", targets: ["DropflowFraudModel"]),
        .library(name: "DropflowPipeline", targets: ["DropflowPipeline"]),
        .library(name: "DropflowIntake", targets: ["DropflowIntake"]),
        .library(name: "DropflowFraud", targets: ["DropflowFraud"]),
        .library(name: "DropflowRouting", targets: ["DropflowRouting"]),
        .library(name: "DropflowStages", targets: ["DropflowStages"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.1.0"),
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
        .target(name: "DropflowLocalBroker", dependencies: ["DropflowCore", "DropflowKafka", log], path: "Sources/Platform/LocalBroker"),
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
        // Runs one stage as a worker process: options, logging, metrics and health, signals, exit status.
        .target(
            name: "DropflowWorkerHost",
            dependencies: ["DropflowCore", "DropflowKafka", "DropflowObservability", "DropflowRuntime", log, lifecycle],
            path: "Sources/Platform/WorkerHost"
        ),
        // The Kafka test kit: a cluster of a test's own (Tansu or the mock), clients with short
        // group timeouts, reading topics to their end.
        .target(
            name: "DropflowKafkaTesting",
            dependencies: ["DropflowCore", "DropflowKafka", "DropflowLocalBroker", log],
            path: "Sources/Platform/KafkaTesting"
        ),
        // The runtime test kit: workers in process and as processes of the built executable.
        .target(
            name: "DropflowRuntimeTesting",
            dependencies: ["DropflowCore", "DropflowKafka", "DropflowKafkaTesting", "DropflowRuntime", log, lifecycle],
            path: "Sources/Platform/RuntimeTesting"
        ),

        // MARK: Stages

        // The pipeline's own topics (the topology) and the messages on them.
        .target(name: "DropflowPipeline", dependencies: ["DropflowCore", "DropflowJSON", "DropflowContract"], path: "Sources/Stages/Pipeline"),
        // Intake's decisions, free of Kafka: normalize, validate, de-duplicate, business rules.
        .target(
            name: "DropflowIntake",
            dependencies: ["DropflowCore", "DropflowJSON", "DropflowContract", "DropflowPipeline"],
            path: "Sources/Stages/Intake/Decision"
        ),
        // The fraud model, free of Kafka: features, velocity windows, training,
        // calibration, metrics, explanations, the model file.
        .target(
            name: "DropflowFraudModel",
            dependencies: ["DropflowCore", "DropflowJSON", "DropflowContract"],
            path: "Sources/Stages/Fraud/Model",
            exclude: ["README.md"]
        ),
        // The fraud stage's decisions, free of Kafka: the model plus intake's holds, the verdict,
        // the review loop's messages.
        .target(
            name: "DropflowFraud",
            dependencies: ["DropflowCore", "DropflowJSON", "DropflowContract", "DropflowPipeline", "DropflowFraudModel"],
            path: "Sources/Stages/Fraud/Decision"
        ),
        // Routing's decisions, free of Kafka: the live picture of offers, rates and suppliers,
        // lead-time distributions, landed cost, plans and their explanation.
        .target(
            name: "DropflowRouting",
            dependencies: ["DropflowCore", "DropflowJSON", "DropflowContract", "DropflowPipeline"],
            path: "Sources/Stages/Routing/Decision",
            exclude: ["README.md"]
        ),
        // Each stage wired into the runtime (a thin adapter beside its decisions), and the stage
        // catalog the executable runs stages from.
        .target(
            name: "DropflowStages",
            dependencies: ["DropflowCore", "DropflowJSON", "DropflowContract", "DropflowPipeline", "DropflowRuntime", "DropflowKafka",
                           "DropflowIntake", "DropflowFraud", "DropflowFraudModel", "DropflowRouting", log, metrics],
            path: "Sources/Stages",
            // Each stage's decisions are modules of their own; this one holds the adapters beside them.
            exclude: ["Pipeline", "Intake/Decision", "Fraud/Decision", "Fraud/Model", "Routing/Decision"],
            sources: ["Intake/Stage", "Fraud/Stage", "Routing/Stage", "Catalog"]
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

        // MARK: Tools

        // Training a stage's model from labelled history (`dropflow train`).
        .target(
            name: "DropflowTraining",
            dependencies: ["DropflowCore", "DropflowJSON", "DropflowContract", "DropflowFraudModel", "DropflowIntake", "DropflowSimulator"],
            path: "Sources/Tools/Training"
        ),

        // Reports that judge a stage's decisions against the simulated world's truth
        // (`dropflow report`).
        .target(
            name: "DropflowReports",
            dependencies: ["DropflowCore", "DropflowJSON", "DropflowContract", "DropflowRouting", "DropflowSimulator"],
            path: "Sources/Tools/Reports"
        ),

        // The main job (`dropflow demo`): the pipeline end to end against the simulated world,
        // scored against its truth.
        .target(
            name: "DropflowDemo",
            dependencies: ["DropflowCore", "DropflowJSON", "DropflowContract", "DropflowKafka", "DropflowPipeline", "DropflowRuntime",
                           "DropflowStages", "DropflowFraudModel", "DropflowSimulator", "DropflowSimulatorLive", log, lifecycle],
            path: "Sources/Tools/Demo"
        ),

        // The benchmarks (`dropflow bench`, `bench-chain`) and the visible round trip.
        .target(
            name: "DropflowBench",
            dependencies: ["DropflowCore", "DropflowContract", "DropflowKafka", "DropflowLocalBroker", log,
                           .product(name: "Histogram", package: "hdrhistogram-swift")],
            path: "Sources/Tools/Bench"
        ),

        // MARK: The executable

        .executableTarget(
            name: "DropflowCLI",
            dependencies: [
                "DropflowCore", "DropflowContract", "DropflowKafka", "DropflowLocalBroker", "DropflowRuntime", "DropflowWorkerHost",
                "DropflowPipeline", "DropflowStages", "DropflowFraudModel", "DropflowSimulator", "DropflowSimulatorLive",
                "DropflowDemo", "DropflowBench", "DropflowTraining", "DropflowReports", log,
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Sources/CLI"
        ),

        // MARK: Tests

        .testTarget(name: "DropflowCoreTests", dependencies: ["DropflowCore"]),
        .testTarget(name: "DropflowContractTests", dependencies: ["DropflowCore", "DropflowJSON", "DropflowContract"]),
        .testTarget(name: "DropflowKafkaTests", dependencies: ["DropflowCore", "DropflowKafka", "DropflowLocalBroker", "DropflowKafkaTesting"]),
        .testTarget(
            name: "DropflowObservabilityTests",
            dependencies: ["DropflowCore", "DropflowObservability", .product(name: "HummingbirdTesting", package: "hummingbird")]
        ),
        .testTarget(
            name: "DropflowRuntimeTests",
            dependencies: ["DropflowCore", "DropflowJSON", "DropflowContract", "DropflowKafka", "DropflowRuntime", "DropflowWorkerHost",
                           "DropflowKafkaTesting", "DropflowRuntimeTesting"]
        ),
        .testTarget(name: "DropflowSimulatorTests", dependencies: ["DropflowCore", "DropflowJSON", "DropflowContract", "DropflowSimulator"]),
        .testTarget(
            name: "DropflowSimulatorLiveTests",
            dependencies: ["DropflowCore", "DropflowJSON", "DropflowContract", "DropflowKafka", "DropflowSimulator", "DropflowSimulatorLive",
                           "DropflowKafkaTesting"]
        ),
        .testTarget(
            name: "DropflowFraudModelTests",
            dependencies: ["DropflowCore", "DropflowJSON", "DropflowContract", "DropflowFraudModel", "DropflowSimulator"]
        ),
        .testTarget(
            name: "DropflowStagesTests",
            dependencies: ["DropflowCore", "DropflowJSON", "DropflowContract", "DropflowKafka", "DropflowRuntime", "DropflowWorkerHost",
                           "DropflowPipeline", "DropflowIntake", "DropflowFraud", "DropflowFraudModel", "DropflowRouting", "DropflowStages",
                           "DropflowSimulator", "DropflowKafkaTesting", "DropflowRuntimeTesting"]
        ),
        .testTarget(
            name: "DropflowToolsTests",
            dependencies: ["DropflowCore", "DropflowJSON", "DropflowContract", "DropflowKafka", "DropflowPipeline", "DropflowFraudModel",
                           "DropflowSimulator", "DropflowDemo", "DropflowBench", "DropflowTraining", "DropflowReports", "DropflowRouting", "DropflowKafkaTesting",
                           "DropflowRuntimeTesting"],
            // Model files the tests compare with, read by path.
            exclude: ["Fixtures"]
        ),
    ]
)
