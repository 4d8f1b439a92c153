import Foundation
import Hummingbird

/// `Content-Type` of `/metrics`: the Prometheus text exposition format.
public let prometheusContentType = "text/plain; version=0.0.4; charset=utf-8"

/// The observability routes, separate from any server so tests can drive them directly:
///
/// - `GET /metrics`: ``DropflowMetrics/exposition()``, 200.
/// - `GET /health/live`: ``HealthState/Snapshot`` as JSON; 200 when live, 503 otherwise.
/// - `GET /health/ready`: the same; 200 when ready, 503 otherwise.
///
/// Anything else is 404.
public func buildObservabilityRouter(
    metrics: DropflowMetrics,
    health: HealthState
) -> Router<BasicRequestContext> {
    let router = Router(context: BasicRequestContext.self)
    router.get("/metrics") { _, _ -> Response in
        var headers = HTTPFields()
        headers[.contentType] = prometheusContentType
        headers[.cacheControl] = "no-store"
        return Response(
            status: .ok,
            headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.exposition()))
        )
    }
    router.get("/health/live") { _, _ -> Response in
        let snapshot = health.snapshot()
        return try healthResponse(snapshot, healthy: snapshot.live)
    }
    router.get("/health/ready") { _, _ -> Response in
        let snapshot = health.snapshot()
        return try healthResponse(snapshot, healthy: snapshot.ready)
    }
    return router
}

private func healthResponse(_ snapshot: HealthState.Snapshot, healthy: Bool) throws -> Response {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let body = try encoder.encode(snapshot)
    var headers = HTTPFields()
    headers[.contentType] = "application/json; charset=utf-8"
    headers[.cacheControl] = "no-store"
    return Response(
        status: healthy ? .ok : .serviceUnavailable,
        headers: headers,
        body: ResponseBody(byteBuffer: ByteBuffer(bytes: body))
    )
}
