import Hummingbird
import Logging
import ServiceLifecycle

/// The HTTP server for ``buildObservabilityRouter(metrics:health:)``, as a
/// swift-service-lifecycle `Service`: run it in the executable's `ServiceGroup`.
/// `run()` returns when the group shuts down gracefully (in-flight requests finish)
/// or the task is cancelled.
///
/// The bound port (useful with port 0) is given to `onServerRunning`, and available
/// from ``boundPort`` / ``waitForBoundPort()``. Copies share that state; run an instance once
/// at a time.
public struct ObservabilityServer: Service {
    public struct Configuration: Sendable {
        /// Address to bind; loopback by default. Use "0.0.0.0" to be scraped from outside.
        public var host: String
        /// Port to bind; 0 lets the system choose one.
        public var port: Int

        public init(host: String = "127.0.0.1", port: Int) {
            self.host = host
            self.port = port
        }
    }

    public let configuration: Configuration
    private let metrics: DropflowMetrics
    private let health: HealthState
    private let logger: Logger
    private let onServerRunning: @Sendable (_ port: Int) async -> Void
    private let port = BoundPort()

    public init(
        configuration: Configuration,
        metrics: DropflowMetrics,
        health: HealthState,
        logger: Logger,
        onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.metrics = metrics
        self.health = health
        self.logger = logger
        self.onServerRunning = onServerRunning
    }

    /// The port the server listens on while it is running; nil before and after.
    public var boundPort: Int? { self.port.current }

    /// Waits until the server listens and returns its port; nil if `run()` ended first
    /// (e.g. the address was in use) or the waiting task was cancelled.
    public func waitForBoundPort() async -> Int? {
        await self.port.wait()
    }

    public func run() async throws {
        self.port.reset()
        defer { self.port.stop() }
        let port = self.port
        let logger = self.logger
        let host = self.configuration.host
        let onServerRunning = self.onServerRunning
        let app = Application(
            router: buildObservabilityRouter(metrics: self.metrics, health: self.health),
            configuration: ApplicationConfiguration(
                address: .hostname(host, port: self.configuration.port),
                serverName: nil
            ),
            onServerRunning: { channel in
                let bound = channel.localAddress?.port ?? -1
                logger.info(
                    "observability server listening",
                    metadata: ["http.host": "\(host)", "http.port": "\(bound)"]
                )
                // The callback first: whoever waits for the port then knows it has run.
                await onServerRunning(bound)
                port.bind(bound)
            },
            logger: logger
        )
        try await app.run()
        logger.debug("observability server stopped")
    }
}
