import DropflowCore
import DropflowJSON
import ArgumentParser
import DropflowKafka
import DropflowObservability
import DropflowContract
import DropflowFraudModel
import DropflowRuntime
import DropflowStages
import Foundation
import Logging
import ServiceLifecycle

/// `DROPFLOW_<NAME>` from the environment.
func env(_ name: String) -> String? {
    let v = ProcessInfo.processInfo.environment["DROPFLOW_\(name)"]
    return v?.isEmpty == false ? v : nil
}

/// The stages `dropflow worker` can run.
enum StageName: String, ExpressibleByArgument, CaseIterable {
    case intake, fraud, routing, notify, returns, passthrough
}

struct WorkerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "worker",
        abstract: "Run one worker of a stage (intake, fraud, routing, notify, returns, passthrough).",
        discussion: """
        A worker joins its stage's consumer group (dropflow.<stage> by default), reads the
        stage's input topics, and publishes what the stage decides. Run more workers of a
        stage to share its partitions. Every option also reads a DROPFLOW_* variable
        (e.g. DROPFLOW_BOOTSTRAP_SERVERS, DROPFLOW_METRICS_PORT), and any librdkafka
        property can be given as --kafka-property key=value or DROPFLOW_KAFKA_<KEY>.
        SIGTERM or SIGINT stops it gracefully (exit 0); a second signal exits at once.

        Examples:
          dropflow worker passthrough --bootstrap-servers 127.0.0.1:9092
          DROPFLOW_LOG_FORMAT=json dropflow worker passthrough --metrics-port 9464
        """
    )

    @Argument(help: "The stage: \(StageName.allCases.map(\.rawValue).joined(separator: ", ")).")
    var stage: StageName

    @Option(help: "Kafka brokers as host:port[,host:port] ($DROPFLOW_BOOTSTRAP_SERVERS).")
    var bootstrapServers: String = env("BOOTSTRAP_SERVERS") ?? "127.0.0.1:9092"

    @Option(help: "Prefix of every topic name ($DROPFLOW_TOPIC_PREFIX).")
    var topicPrefix: String = env("TOPIC_PREFIX") ?? "dropflow."

    @Option(help: "Consumer group ($DROPFLOW_GROUP; default dropflow.<stage>).")
    var group: String? = env("GROUP")

    @Option(help: "Port of /metrics, /health/live and /health/ready; 0 picks a free one, -1 turns them off ($DROPFLOW_METRICS_PORT).")
    var metricsPort: Int = Int(env("METRICS_PORT") ?? "") ?? 9464

    @Option(help: "Address the metrics server listens on ($DROPFLOW_METRICS_HOST).")
    var metricsHost: String = env("METRICS_HOST") ?? "127.0.0.1"

    @Option(help: "Handlers running at once across partitions ($DROPFLOW_CONCURRENCY).")
    var concurrency: Int = Int(env("CONCURRENCY") ?? "") ?? 8

    @Option(help: "Unfinished inputs before the worker stops reading ($DROPFLOW_MAX_IN_FLIGHT).")
    var maxInFlight: Int = Int(env("MAX_IN_FLIGHT") ?? "") ?? 10_000

    @Option(help: "Attempts for a retriable handler failure before the DLQ ($DROPFLOW_RETRY_ATTEMPTS).")
    var retryAttempts: Int = Int(env("RETRY_ATTEMPTS") ?? "") ?? 5

    @Option(help: "First retry back-off in milliseconds, doubled each time ($DROPFLOW_RETRY_BACKOFF_MS).")
    var retryBackoffMs: Int = Int(env("RETRY_BACKOFF_MS") ?? "") ?? 200

    @Option(help: "Longest retry back-off in milliseconds ($DROPFLOW_RETRY_MAX_BACKOFF_MS).")
    var retryMaxBackoffMs: Int = Int(env("RETRY_MAX_BACKOFF_MS") ?? "") ?? 30_000

    @Option(help: "Seconds between offset commits ($DROPFLOW_COMMIT_INTERVAL).")
    var commitInterval: Double = Double(env("COMMIT_INTERVAL") ?? "") ?? 2

    @Option(help: "Seconds shutdown waits for in-flight work ($DROPFLOW_SHUTDOWN_TIMEOUT).")
    var shutdownTimeout: Double = Double(env("SHUTDOWN_TIMEOUT") ?? "") ?? 10

    @Option(help: "Consumer session timeout in seconds ($DROPFLOW_SESSION_TIMEOUT).")
    var sessionTimeout: Double = Double(env("SESSION_TIMEOUT") ?? "") ?? 10

    @Option(help: "Max poll interval (also the rebalance timeout) in seconds ($DROPFLOW_MAX_POLL_INTERVAL).")
    var maxPollInterval: Double = Double(env("MAX_POLL_INTERVAL") ?? "") ?? 30

    @Option(name: .customLong("kafka-property"), parsing: .singleValue,
            help: ArgumentHelp("Any librdkafka property (repeatable); also DROPFLOW_KAFKA_<KEY>.", valueName: "key=value"))
    var kafkaProperties: [String] = []

    @Option(help: "human or json ($DROPFLOW_LOG_FORMAT).")
    var logFormat: String = env("LOG_FORMAT") ?? "human"

    @Option(help: "trace, debug, info, notice, warning, error, critical ($DROPFLOW_LOG_LEVEL).")
    var logLevel: String = env("LOG_LEVEL") ?? "info"

    @Option(help: "passthrough only: the topic to read ($DROPFLOW_PASSTHROUGH_INPUT).")
    var input: String = env("PASSTHROUGH_INPUT") ?? "passthrough.in"

    @Option(help: "passthrough only: the topic to write ($DROPFLOW_PASSTHROUGH_OUTPUT).")
    var output: String = env("PASSTHROUGH_OUTPUT") ?? "passthrough.out"

    @Option(help: "intake: most units of one order line ($DROPFLOW_MAX_QUANTITY_PER_LINE).")
    var maxQuantityPerLine: Int64 = Int64(env("MAX_QUANTITY_PER_LINE") ?? "") ?? IntakePolicy().maxQuantityPerLine

    @Option(help: "intake: most lines in one order ($DROPFLOW_MAX_LINES).")
    var maxLines: Int = Int(env("MAX_LINES") ?? "") ?? IntakePolicy().maxLines

    @Option(help: "intake: largest order value accepted, in the order's currency ($DROPFLOW_MAX_ORDER_VALUE).")
    var maxOrderValue: String = env("MAX_ORDER_VALUE") ?? IntakePolicy().maxOrderValue.description

    @Option(help: "intake: an order with a SKU no supplier offers is held for review, rejected or allowed: hold, reject, allow ($DROPFLOW_UNKNOWN_SKU).")
    var unknownSku: String = env("UNKNOWN_SKU") ?? IntakePolicy().unknownSKU.rawValue

    @Option(help: "fraud: the model file ($DROPFLOW_FRAUD_MODEL; default models/fraud-model.json here or beside the executable).")
    var fraudModel: String? = env("FRAUD_MODEL")

    @Option(help: "fraud: probability from which an order is reviewed (default: the model file's) ($DROPFLOW_FRAUD_REVIEW_AT).")
    var reviewAt: Double? = env("FRAUD_REVIEW_AT").flatMap(Double.init)

    @Option(help: "fraud: probability from which an order is declined (default: the model file's) ($DROPFLOW_FRAUD_DECLINE_AT).")
    var declineAt: Double? = env("FRAUD_DECLINE_AT").flatMap(Double.init)

    @Option(help: "fraud: order value above which an order always goes to review, in the order's currency (default: the model file's) ($DROPFLOW_ALWAYS_REVIEW_ABOVE).")
    var alwaysReviewAbove: Double? = env("ALWAYS_REVIEW_ABOVE").flatMap(Double.init)

    /// The fraud model and the thresholds the options override.
    func fraudDefinition() throws -> StageDefinition {
        let model = try FraudModelLocator.load(explicit: fraudModel)
        var policy = model.policy
        if let reviewAt { policy.reviewAt = reviewAt }
        if let declineAt { policy.declineAt = declineAt }
        if let alwaysReviewAbove { policy.alwaysReviewAbove = alwaysReviewAbove * 100 }
        guard (0...1).contains(policy.reviewAt), (0...1).contains(policy.declineAt), policy.reviewAt <= policy.declineAt else {
            throw ValidationError("thresholds must satisfy 0 <= review-at <= decline-at <= 1")
        }
        return FraudStage.definition(model: model, policy: policy)
    }

    /// The intake rules the options describe.
    func intakePolicy() throws -> IntakePolicy {
        var policy = IntakePolicy()
        policy.maxQuantityPerLine = maxQuantityPerLine
        policy.maxLines = maxLines
        guard let value = MoneyAmount(maxOrderValue) else { throw ValidationError("--max-order-value wants a decimal amount like 2500.00") }
        policy.maxOrderValue = value
        guard let action = IntakePolicy.UnknownSKUAction(rawValue: unknownSku) else { throw ValidationError("--unknown-sku must be hold, reject or allow") }
        policy.unknownSKU = action
        return policy
    }

    func validate() throws {
        _ = try intakePolicy()
        guard LogFormat(rawValue: logFormat) != nil else { throw ValidationError("--log-format must be human or json") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("unknown --log-level \(logLevel)") }
        guard concurrency > 0, maxInFlight > 0, retryAttempts > 0 else { throw ValidationError("concurrency, max-in-flight and retry-attempts must be positive") }
    }

    func run() async throws {
        DropflowLogging.bootstrap(format: LogFormat(rawValue: logFormat)!, level: Logger.Level(rawValue: logLevel)!)
        let logger = Logger(label: "dropflow.worker")
        let definition: StageDefinition
        switch stage {
        case .passthrough:
            definition = PassthroughStage.definition(input: input == PassthroughStage.input.name ? PassthroughStage.input : .adHoc(input), output: output == PassthroughStage.output.name ? PassthroughStage.output : .adHoc(output))
        case .intake:
            definition = IntakeStage.definition(policy: try intakePolicy())
        case .fraud:
            do { definition = try fraudDefinition() } catch {
                logger.critical("cannot start the fraud stage: \(error)")
                throw ExitCode(2)
            }
        default:
            logger.critical("stage \(stage.rawValue) is not built yet; this version runs: intake, fraud, passthrough")
            throw ExitCode(2)
        }

        let connection = ConnectionOptions.parseOrExit(["--bootstrap-servers", bootstrapServers] + kafkaProperties.flatMap { ["--kafka-property", $0] })
        var config = WorkerConfiguration(kafka: KafkaConfiguration(
            bootstrapServers: bootstrapServers.split(separator: ",").map(String.init),
            clientID: "dropflow-\(stage.rawValue)", properties: try connection.properties()))
        config.topicPrefix = topicPrefix
        config.groupID = group
        config.concurrency = concurrency
        config.maxInFlight = maxInFlight
        config.retry = RetryPolicy(maxAttempts: retryAttempts, initialBackoff: .milliseconds(retryBackoffMs), maxBackoff: .milliseconds(retryMaxBackoffMs))
        config.commitInterval = .milliseconds(Int64(commitInterval * 1000))
        config.shutdownTimeout = .milliseconds(Int64(shutdownTimeout * 1000))
        config.sessionTimeout = .milliseconds(Int64(sessionTimeout * 1000))
        config.maxPollInterval = .milliseconds(Int64(maxPollInterval * 1000))
        logger.info("configuration", metadata: [
            "kafka.bootstrap": "\(bootstrapServers)", "kafka.properties": "\(KafkaConfiguration.redacted(config.kafka.properties))",
            "topic.prefix": "\(topicPrefix)", "kafka.group": "\(config.group(for: definition.name))"])

        let health = HealthState()
        let worker = StageWorker(stage: definition, configuration: config, logger: logger) { ready, reason in
            health.setReady(ready, reason: reason)
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if metricsPort >= 0 {
            let metrics = DropflowMetrics.bootstrap()
            let server = ObservabilityServer(configuration: .init(host: metricsHost, port: metricsPort), metrics: metrics,
                                             health: health, logger: logger) { port in
                logger.info("metrics and health endpoints", metadata: ["http.port": "\(port)"])
            }
            services.append(.init(service: server))
        }
        // The worker ends the group: when it returns (or throws), everything stops.
        services.append(.init(service: worker, successTerminationBehavior: .gracefullyShutdownGroup,
                              failureTerminationBehavior: .gracefullyShutdownGroup))
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        let second = SecondSignalExit()
        do {
            try await group.run()
        } catch let error as WorkerFatalError {
            logger.critical("exiting: \(error.reason)")
            throw ExitCode(3)
        } catch {
            logger.critical("exiting: \(error)")
            throw ExitCode(1)
        }
        _ = second
    }
}

/// A second SIGTERM or SIGINT exits at once, without waiting for the graceful shutdown.
final class SecondSignalExit: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let lock = NSLock()
    private var count = 0

    init() {
        for sig in [SIGTERM, SIGINT] {
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [self] in
                let n = lock.withLock { count += 1; return count }
                if n >= 2 {
                    FileHandle.standardError.write(Data("second signal: exiting now\n".utf8))
                    _exit(130)
                }
            }
            source.resume()
            sources.append(source)
        }
    }
}
