import DropflowCore
import DropflowKafka
import DropflowRuntime
import Foundation
import Logging
import ServiceLifecycle

extension TestCluster {
    public func workerConfiguration(_ tweak: (inout WorkerConfiguration) -> Void = { _ in }) -> WorkerConfiguration {
        var c = WorkerConfiguration(kafka: kafka)
        c.topicPrefix = prefix
        c.sessionTimeout = .seconds(6)
        c.maxPollInterval = .seconds(6)
        c.commitInterval = .milliseconds(500)
        c.revokeTimeout = .seconds(3)
        c.shutdownTimeout = .seconds(5)
        c.retry = RetryPolicy(maxAttempts: 3, initialBackoff: .milliseconds(50), maxBackoff: .milliseconds(200))
        tweak(&c)
        return c
    }

}


/// One in-process worker, run in a ServiceGroup so that it stops the way a
/// signal would stop it.
public final class RunningWorker: @unchecked Sendable {
    public let worker: StageWorker
    private let group: ServiceGroup
    private let task: Task<Void, Error>
    public let ready = Box(false)

    public init(_ stage: StageDefinition, _ config: WorkerConfiguration) {
        let ready = self.ready
        worker = StageWorker(stage: stage, configuration: config, logger: testLogger) { r, _ in ready.mutate { $0 = r } }
        group = ServiceGroup(configuration: .init(services: [.init(service: worker, successTerminationBehavior: .gracefullyShutdownGroup)],
                                                  logger: testLogger))
        let g = group
        task = Task { try await g.run() }
    }

    public func waitReady(_ limit: Duration = .seconds(60)) async throws {
        try await eventually(limit, "worker ready") { self.ready.value }
    }

    /// Graceful shutdown, as on SIGTERM; returns how the run ended.
    public func stop() async -> Result<Void, Error> {
        await group.triggerGracefulShutdown()
        do { try await task.value; return .success(()) } catch { return .failure(error) }
    }
}

