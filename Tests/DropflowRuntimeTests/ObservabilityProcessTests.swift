import DropflowCore
import DropflowKafka
import DropflowKafkaTesting
import DropflowRuntimeTesting
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A plain HTTP/1.1 GET on 127.0.0.1 (no proxies involved): status and body.
func httpGet(port: Int, path: String) -> (status: Int, body: String)? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_port = in_port_t(UInt16(port).bigEndian)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    let ok = withUnsafePointer(to: &addr) { p in
        p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
    guard ok else { return nil }
    let request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    _ = request.withCString { send(fd, $0, strlen($0), 0) }
    var data = [UInt8]()
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = recv(fd, &buf, buf.count, 0)
        if n <= 0 { break }
        data += buf[0..<n]
    }
    let text = String(decoding: data, as: UTF8.self)
    guard let statusLine = text.split(separator: "\r\n").first else { return nil }
    let parts = statusLine.split(separator: " ")
    guard parts.count >= 2, let status = Int(parts[1]) else { return nil }
    let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
    return (status, body)
}

@Suite(.serialized, .timeLimit(.minutes(2)))
struct ObservabilityProcessTests {
    /// A running worker answers /health/live at once, /health/ready once it
    /// has partitions, and exports its message counters, handler latency and
    /// rebalances on /metrics; a second signal during shutdown exits at once.
    @Test("a worker exposes health and Prometheus metrics; a second signal exits at once")
    func endpoints() async throws {
        let cluster = try TestCluster()
        try await cluster.createTopics(["passthrough.in", "passthrough.out", "passthrough.in.dlq"], partitions: 2)
        let worker = try WorkerProcess(cluster: cluster, extra: ["--metrics-port", "0"])
        let port = Box<Int?>(nil)
        try await eventually(.seconds(30), "the worker logs its metrics port") {
            let log = worker.output
            if let r = log.range(of: #"http\.port=(\d+)"#, options: .regularExpression) {
                port.mutate { $0 = Int(log[r].split(separator: "=")[1]) }
            }
            return port.value != nil
        }
        let p = try #require(port.value)
        #expect(httpGet(port: p, path: "/health/live")?.status == 200)
        try await eventually(.seconds(60), "ready") { httpGet(port: p, path: "/health/ready")?.status == 200 }
        #expect(httpGet(port: p, path: "/nope")?.status == 404)

        try await cluster.produce("passthrough.in", count: 50, partitions: 2)
        _ = try await cluster.waitForKeys("passthrough.out", count: 50)
        try await eventually(.seconds(10), "metrics count every message") {
            (httpGet(port: p, path: "/metrics")?.body ?? "").contains(#"dropflow_messages_out_total{stage="passthrough",topic="\#(cluster.prefix)passthrough.out"} 50"#)
        }
        let metrics = httpGet(port: p, path: "/metrics")?.body ?? ""
        #expect(metrics.contains(#"dropflow_messages_in_total{stage="passthrough",topic="\#(cluster.prefix)passthrough.in"} 50"#))
        #expect(metrics.contains("dropflow_handler_duration_seconds_bucket"))
        #expect(metrics.contains(#"dropflow_rebalances_total{stage="passthrough",kind="assigned"}"#))

        // Two signals back to back (two kinds: a pending signal does not queue
        // a second copy of itself): the second does not wait for the graceful shutdown.
        worker.signal(SIGTERM)
        worker.signal(SIGINT)
        let status = await worker.waitExit(within: .seconds(5))
        #expect(status == 130, "exit status \(String(describing: status))")
    }
}
