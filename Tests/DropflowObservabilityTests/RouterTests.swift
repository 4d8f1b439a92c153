import DropflowCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Metrics
import Testing
@testable import DropflowObservability

@Suite struct RouterTests {
    @Test func metricsEndpointServesExposition() async throws {
        let metrics = DropflowMetrics()
        Counter(label: MetricName.messagesOut, dimensions: [("stage", "enrich"), ("topic", "out")], factory: metrics.factory)
            .increment(by: 5)
        let app = Application(router: buildObservabilityRouter(metrics: metrics, health: HealthState()))

        try await app.test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/plain; version=0.0.4; charset=utf-8")
                let body = String(buffer: response.body)
                #expect(body.contains(#"dropflow_messages_out_total{stage="enrich",topic="out"} 5"#))
                #expect(body.contains("# TYPE dropflow_messages_out_total counter"))
            }
        }
    }

    @Test func readinessFollowsHealthState() async throws {
        let health = HealthState()
        let app = Application(router: buildObservabilityRouter(metrics: DropflowMetrics(), health: health))

        try await app.test(.router) { client in
            try await client.execute(uri: "/health/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.headers[.contentType] == "application/json; charset=utf-8")
                let snapshot = try JSONDecoder().decode(HealthState.Snapshot.self, from: Data(buffer: response.body))
                #expect(snapshot.ready == false)
                #expect(snapshot.readyReason == "starting")
            }

            health.setReady(true, reason: "partitions assigned")
            health.setDetail("assignment", "orders.v1[0,1]")
            try await client.execute(uri: "/health/ready", method: .get) { response in
                #expect(response.status == .ok)
                let snapshot = try JSONDecoder().decode(HealthState.Snapshot.self, from: Data(buffer: response.body))
                #expect(snapshot.ready)
                #expect(snapshot.readyReason == "partitions assigned")
                #expect(snapshot.details == ["assignment": "orders.v1[0,1]"])
            }

            health.setReady(false, reason: "shutting down")
            try await client.execute(uri: "/health/ready", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
            }
        }
    }

    @Test func livenessFollowsHealthState() async throws {
        let health = HealthState()
        let app = Application(router: buildObservabilityRouter(metrics: DropflowMetrics(), health: health))

        try await app.test(.router) { client in
            try await client.execute(uri: "/health/live", method: .get) { response in
                #expect(response.status == .ok)
                let object = try parseJSONObject(String(buffer: response.body))
                #expect(object["live"] as? Bool == true)
                #expect(object["ready"] as? Bool == false)
            }
            health.setLive(false, reason: "consumer fatal error")
            try await client.execute(uri: "/health/live", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let snapshot = try JSONDecoder().decode(HealthState.Snapshot.self, from: Data(buffer: response.body))
                #expect(snapshot.liveReason == "consumer fatal error")
            }
        }
    }

    @Test func unknownPathsAndMethodsAreRejected() async throws {
        let app = Application(router: buildObservabilityRouter(metrics: DropflowMetrics(), health: HealthState()))
        try await app.test(.router) { client in
            try await client.execute(uri: "/nope", method: .get) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/health", method: .get) { response in
                #expect(response.status == .notFound)
            }
            try await client.execute(uri: "/metrics", method: .post) { response in
                #expect(response.status != .ok)
            }
        }
    }
}

@Suite struct HealthStateTests {
    @Test func startsLiveAndNotReady() {
        let health = HealthState()
        #expect(health.isLive)
        #expect(!health.isReady)
    }

    @Test func sinceMovesOnlyOnChange() throws {
        let health = HealthState()
        let before = health.snapshot()
        health.setLive(true, reason: "still fine")
        let after = health.snapshot()
        #expect(after.liveSince == before.liveSince)
        #expect(after.liveReason == "still fine")
        health.setDetail("x", "1")
        health.setDetail("x", nil)
        #expect(health.snapshot().details.isEmpty)
    }

    @Test func concurrentUpdatesAreSafe() async {
        let health = HealthState()
        await withTaskGroup(of: Void.self) { group in
            for i in 0..<200 {
                group.addTask {
                    health.setReady(i % 2 == 0, reason: "r\(i)")
                    health.setDetail("k\(i)", "v")
                    _ = health.snapshot()
                }
            }
        }
        #expect(health.snapshot().details.count == 200)
    }
}
