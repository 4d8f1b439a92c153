import DropflowCore
import DropflowKafka
import Testing
@testable import DropflowRuntime

/// A worker's options are declared once: a flag wins over its variable, the variable over the
/// default, and what cannot be used is refused with the flag or the variable named.
@Suite struct SettingsTests {
    static let settings = WorkerSettings.all

    func values(_ arguments: [String], _ environment: [String: String] = [:]) throws(SettingError) -> SettingValues {
        try SettingValues(arguments: arguments, environment: environment, settings: Self.settings)
    }

    @Test func aFlagWinsOverItsVariableWhichWinsOverTheDefault() throws {
        #expect(try values([])[WorkerSettings.concurrency] == 8)
        #expect(try values([], ["DROPFLOW_CONCURRENCY": "3"])[WorkerSettings.concurrency] == 3)
        #expect(try values(["--concurrency", "5"], ["DROPFLOW_CONCURRENCY": "3"])[WorkerSettings.concurrency] == 5)
        #expect(try values(["--concurrency=6"])[WorkerSettings.concurrency] == 6)
        #expect(try values(["--concurrency", "5", "--concurrency", "7"])[WorkerSettings.concurrency] == 7, "the last flag wins")
        #expect(try values([], ["DROPFLOW_CONCURRENCY": ""])[WorkerSettings.concurrency] == 8, "an empty variable is unset")
        #expect(try values(["--commit-interval", "0.5"])[WorkerSettings.commitInterval] == .milliseconds(500))
        #expect(try values(["--retry-backoff-ms", "50"])[WorkerSettings.retryBackoff] == .milliseconds(50))
        #expect(try values([])[WorkerSettings.maxInFlightBytes] == 64 << 20)
        #expect(try WorkerSettings.configuration(try values(["--max-in-flight-bytes", "1048576"]), clientID: "x").maxInFlightBytes == 1 << 20)
        #expect(try values([])[WorkerSettings.group] == nil)
        #expect(try values(["--group", "g"]).isGiven(WorkerSettings.group))
    }

    @Test func whatCannotBeUsedIsRefusedByName() {
        #expect(throws: SettingError.self) { try values(["--concurrency", "many"]) }
        #expect(throws: SettingError.self) { try values(["--concurrency", "0"]) }
        #expect(throws: SettingError.self) { try values(["--max-in-flight-bytes", "0"]) }
        #expect(throws: SettingError.self) { try values(["--no-such-option", "1"]) }
        #expect(throws: SettingError.self) { try values(["--concurrency"]) }
        #expect(throws: SettingError.self) { try values(["stray"]) }
        do {
            _ = try values([], ["DROPFLOW_MAX_IN_FLIGHT": "-2"])
            Issue.record("accepted")
        } catch {
            #expect(error.description.hasPrefix("DROPFLOW_MAX_IN_FLIGHT:"), "\(error)")
        }
        do {
            _ = try values(["--session-timeout", "soon"])
            Issue.record("accepted")
        } catch {
            #expect(error.description.hasPrefix("--session-timeout:"), "\(error)")
        }
    }

    @Test func theWorkerConfigurationFollowsTheValues() throws {
        let v = try values(["--bootstrap-servers", "a:1, b:2", "--topic-prefix", "acme.", "--max-in-flight", "99",
                            "--retry-attempts", "2", "--kafka-property", "linger.ms=7", "--kafka-property", "acks=all"],
                           ["DROPFLOW_KAFKA_SECURITY_PROTOCOL": "SASL_SSL", "DROPFLOW_KAFKA_LINGER_MS": "3"])
        let c = try WorkerSettings.configuration(v, clientID: "dropflow-x")
        #expect(c.kafka.bootstrapServers == ["a:1", "b:2"])
        #expect(c.topicPrefix == "acme." && c.maxInFlight == 99 && c.retry.maxAttempts == 2)
        #expect(c.kafka.properties["security.protocol"] == "SASL_SSL")
        #expect(c.kafka.properties["linger.ms"] == "7", "a flag wins over DROPFLOW_KAFKA_*")
        #expect(c.kafka.properties["acks"] == "all")
        #expect(throws: SettingError.self) { try WorkerSettings.configuration(try values(["--kafka-property", "nokey"]), clientID: "x") }
    }

    @Test func everySettingHasItsOwnFlagAndVariable() {
        #expect(Set(Self.settings.map(\.name)).count == Self.settings.count)
        #expect(Set(Self.settings.map(\.environment)).count == Self.settings.count)
        #expect(Self.settings.allSatisfy { $0.environment.hasPrefix("DROPFLOW_") && !$0.help.isEmpty })
        #expect(Setting<Int>.environmentName(for: "max-in-flight") == "DROPFLOW_MAX_IN_FLIGHT")
    }
}
