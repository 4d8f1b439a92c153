import DropflowCore
import DropflowKafka
import DropflowObservability
import DropflowRuntime
import Foundation
import Logging
import ServiceLifecycle

/// Runs one stage as a worker process: reads its options (``WorkerSettings``, ``HostSettings``
/// and the stage's own), sets up logging, serves `/metrics` and `/health/*`, runs the
/// ``StageWorker`` until SIGTERM or SIGINT, and says how it ended as an exit status.
public enum WorkerHost {
    /// Exit statuses: 0 after a clean stop, 1 on an error, 2 when the options or the stage
    /// cannot be used, 3 on a fatal Kafka error, 130 on a second signal.
    public enum ExitStatus {
        public static let clean: Int32 = 0
        public static let failed: Int32 = 1
        public static let unusable: Int32 = 2
        public static let fatalKafka: Int32 = 3
    }

    /// Every option `entry`'s workers take: the common ones, the host's, the stage's.
    public static func settings(for entry: StageEntry) -> [SettingDescription] {
        WorkerSettings.all + HostSettings.all + entry.settings
    }

    /// Runs a worker of `entry` with `arguments` (its options, without the stage's name).
    public static func run(_ entry: StageEntry, arguments: [String],
                           environment: [String: String] = ProcessInfo.processInfo.environment) async -> Int32 {
        if arguments.contains("--help") || arguments.contains("-h") {
            print(help(for: entry))
            return ExitStatus.clean
        }
        let values: SettingValues
        let config: WorkerConfiguration
        do {
            values = try SettingValues(arguments: arguments, environment: environment, settings: settings(for: entry))
            config = try WorkerSettings.configuration(values, clientID: "dropflow-\(entry.name)")
        } catch {
            FileHandle.standardError.write(Data("dropflow worker \(entry.name): \(error)\n".utf8))
            return ExitStatus.unusable
        }
        DropflowLogging.bootstrap(format: values[HostSettings.logFormat], level: values[HostSettings.logLevel])
        let logger = Logger(label: "dropflow.worker")
        let definition: StageDefinition
        do { definition = try entry.makeDefinition(values) } catch {
            logger.critical("cannot start the \(entry.name) stage: \(error)")
            return ExitStatus.unusable
        }
        logger.info("configuration", metadata: [
            "kafka.bootstrap": "\(config.kafka.bootstrapServers.joined(separator: ","))",
            "kafka.properties": "\(KafkaConfiguration.redacted(config.kafka.properties))",
            "topic.prefix": "\(config.topicPrefix)", "kafka.group": "\(config.group(for: definition.name))"])

        let health = HealthState()
        let worker = StageWorker(stage: definition, configuration: config, logger: logger) { ready, reason in
            health.setReady(ready, reason: reason)
        }
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        let metricsPort = values[HostSettings.metricsPort]
        if metricsPort >= 0 {
            let metrics = DropflowMetrics.bootstrap()
            let server = ObservabilityServer(configuration: .init(host: values[HostSettings.metricsHost], port: metricsPort),
                                             metrics: metrics, health: health, logger: logger) { port in
                logger.info("metrics and health endpoints", metadata: ["http.port": "\(port)"])
            }
            services.append(.init(service: server))
        }
        // The worker ends the group: when it returns (or throws), everything stops.
        services.append(.init(service: worker, successTerminationBehavior: .gracefullyShutdownGroup,
                              failureTerminationBehavior: .gracefullyShutdownGroup))
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        let second = SecondSignalExit()
        defer { _ = second }
        do {
            try await group.run()
            return ExitStatus.clean
        } catch let error as WorkerFatalError {
            logger.critical("exiting: \(error.reason)")
            return ExitStatus.fatalKafka
        } catch let error as KafkaError where error.isFatal {
            logger.critical("exiting on a fatal Kafka error: \(error)")
            return ExitStatus.fatalKafka
        } catch {
            logger.critical("exiting: \(error)")
            return ExitStatus.failed
        }
    }

    /// The README's table of worker options, made from their declarations: the common ones,
    /// then each stage's own.
    public static func optionsTable(_ entries: [StageEntry]) -> String {
        var lines = ["| flag | variable | default | what |", "| --- | --- | --- | --- |"]
        func row(_ s: SettingDescription, _ stage: String?) {
            let what = (stage.map { "\($0): " } ?? "") + s.help
            lines.append("| `\(s.flag)` | `\(s.environment)` | \(s.defaultText.isEmpty ? "" : "`\(s.defaultText)`") | \(what) |")
        }
        for s in WorkerSettings.all { row(s, nil) }
        lines.append("| `--\(SettingValues.kafkaPropertyFlag) key=value` | `\(WorkerSettings.kafkaEnvironmentPrefix)<KEY>` | | any librdkafka property (repeatable; dots as underscores in the variable) |")
        for s in HostSettings.all { row(s, nil) }
        for entry in entries { for s in entry.settings { row(s, entry.name) } }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `dropflow worker <stage> --help`.
    public static func help(for entry: StageEntry) -> String {
        var lines = ["USAGE: dropflow worker \(entry.name) [--option value ...]", "", entry.summary, "",
                     "Every option also reads its environment variable (a flag wins); any librdkafka property is",
                     "--kafka-property key=value (repeatable) or DROPFLOW_KAFKA_<KEY> (dots as underscores).", ""]
        func section(_ title: String, _ settings: [SettingDescription]) {
            guard !settings.isEmpty else { return }
            lines.append(title + ":")
            for s in settings {
                lines.append("  \(s.flag) <\(s.valueName)>")
                lines.append("      \(s.help) ($\(s.environment)\(s.defaultText.isEmpty ? "" : "; default \(s.defaultText)"))")
            }
            lines.append("")
        }
        section("Worker options", WorkerSettings.all)
        section("Process options", HostSettings.all)
        section("\(entry.name) options", entry.settings)
        return lines.joined(separator: "\n")
    }
}

/// The options of the worker process itself: its endpoints and its logs.
public enum HostSettings {
    public static let metricsPort = Setting<Int>.integer(
        "metrics-port", default: 9464, valueName: "port",
        help: "port of /metrics, /health/live and /health/ready; 0 picks a free one, -1 turns them off")
    public static let metricsHost = Setting<String>.text(
        "metrics-host", default: "127.0.0.1", valueName: "address", help: "address the metrics server listens on")
    public static let logFormat = Setting<LogFormat>(
        "log-format", default: .human, defaultText: LogFormat.human.rawValue,
        valueName: LogFormat.allCases.map(\.rawValue).joined(separator: "|"),
        help: "human, or json: one JSON object per line") { text in
            LogFormat(rawValue: text).map { .success($0) } ?? .failure(SettingError.Problem("must be human or json, got \(text)"))
        }
    public static let logLevel = Setting<Logger.Level>(
        "log-level", default: .info, defaultText: "info", valueName: "level",
        help: "trace, debug, info, notice, warning, error or critical") { text in
            Logger.Level(rawValue: text).map { .success($0) } ?? .failure(SettingError.Problem("unknown log level \(text)"))
        }

    public static var all: [SettingDescription] {
        [metricsPort.declaration, metricsHost.declaration, logFormat.declaration, logLevel.declaration]
    }
}

/// A second SIGTERM or SIGINT exits at once, without waiting for the graceful shutdown.
final class SecondSignalExit: @unchecked Sendable {
    private var sources: [DispatchSourceSignal] = []
    private let count = Locked(0)

    init() {
        for sig in [SIGTERM, SIGINT] {
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [count] in
                if count.withLock({ $0 += 1; return $0 }) >= 2 {
                    FileHandle.standardError.write(Data("second signal: exiting now\n".utf8))
                    _exit(130)
                }
            }
            source.resume()
            sources.append(source)
        }
    }
}
