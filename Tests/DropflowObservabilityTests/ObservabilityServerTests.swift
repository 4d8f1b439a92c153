import DropflowCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Metrics
import ServiceLifecycle
import Testing
@testable import DropflowObservability

@Suite struct ObservabilityServerTests {
    @Test(.timeLimit(.minutes(1)))
    func servesOverLoopbackAndStopsOnGracefulShutdown() async throws {
        let metrics = DropflowMetrics()
        Counter(label: MetricName.dlq, dimensions: [("stage", "validate"), ("topic", "orders.dlq")], factory: metrics.factory)
            .increment(by: 2)
        let health = HealthState()
        health.setReady(true, reason: "assigned")
        let announced = Locked<Int?>(nil)
        let server = ObservabilityServer(
            configuration: .init(host: "127.0.0.1", port: 0),
            metrics: metrics,
            health: health,
            logger: quietLogger,
            onServerRunning: { port in announced.withLock { $0 = port } }
        )
        #expect(server.boundPort == nil)

        let group = ServiceGroup(services: [server], logger: quietLogger)
        let running = Task { try await group.run() }

        let port = try #require(try await withTimeout(.seconds(20)) { await server.waitForBoundPort() })
        #expect(port > 0)
        #expect(server.boundPort == port)
        #expect(announced.withLock { $0 } == port)

        try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
            let metricsResponse = try await client.get("/metrics")
            #expect(metricsResponse.status == .ok)
            #expect(metricsResponse.headers[.contentType] == prometheusContentType)
            let body = metricsResponse.body.map { String(buffer: $0) } ?? ""
            #expect(body.contains(#"dropflow_messages_dlq_total{stage="validate",topic="orders.dlq"} 2"#))

            #expect(try await client.get("/health/live").status == .ok)
            #expect(try await client.get("/health/ready").status == .ok)
            #expect(try await client.get("/missing").status == .notFound)
        }

        let clock = ContinuousClock()
        let start = clock.now
        await group.triggerGracefulShutdown()
        do {
            try await withTimeout(.seconds(5)) { try await running.value }
        } catch is TimedOut {
            running.cancel()
            Issue.record("server did not stop within 5 s of graceful shutdown")
        }
        #expect(clock.now - start < .seconds(5))
        #expect(server.boundPort == nil)
        #expect(await server.waitForBoundPort() == nil)

        // Nothing listens on the port any more.
        await #expect(throws: (any Error).self) {
            try await TestClient.withClient(host: "127.0.0.1", port: port) { client in
                _ = try await client.get("/health/live")
            }
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func stopsWhenCancelled() async throws {
        let server = ObservabilityServer(
            configuration: .init(port: 0),
            metrics: DropflowMetrics(),
            health: HealthState(),
            logger: quietLogger
        )
        let running = Task { try await server.run() }
        let port = try #require(await server.waitForBoundPort())
        #expect(port > 0)
        running.cancel()
        _ = try? await withTimeout(.seconds(5)) { try await running.value }
        #expect(server.boundPort == nil)
    }

    @Test(.timeLimit(.minutes(1)))
    func waitingForThePortEndsWhenBindingFails() async throws {
        let first = ObservabilityServer(
            configuration: .init(port: 0), metrics: DropflowMetrics(), health: HealthState(), logger: quietLogger
        )
        let firstRun = Task { try await first.run() }
        let taken = try #require(await first.waitForBoundPort())

        // Hummingbird binds with SO_REUSEADDR, which on Linux still refuses a port with a listener.
        let second = ObservabilityServer(
            configuration: .init(port: taken), metrics: DropflowMetrics(), health: HealthState(), logger: quietLogger
        )
        let secondRun = Task { try await second.run() }
        let result = try await withTimeout(.seconds(10)) { await second.waitForBoundPort() }
        #expect(result == nil)
        await #expect(throws: (any Error).self) { try await secondRun.value }

        firstRun.cancel()
        _ = try? await withTimeout(.seconds(5)) { try await firstRun.value }
        #expect(first.boundPort == nil)
    }
}
