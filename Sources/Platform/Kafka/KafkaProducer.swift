import DropflowCore
import CRdKafka
import Foundation
import Logging

/// Sends messages to Kafka.
///
/// ``send(_:)`` returns once the broker has acknowledged the message (with
/// idempotence, by all in-sync replicas) or throws a ``KafkaError``.
/// ``enqueue(_:onDelivery:)`` is the non-suspending form for callers that
/// keep many messages in flight. Delivery reports are served by a thread of
/// the producer's own, never by Swift's cooperative pool. ``close()`` flushes.
public final class KafkaProducer: Sendable {
    public let configuration: KafkaProducerConfiguration
    private let client: RDKafkaClient
    private let poller: PollThread
    private let logger: Logger

    public init(configuration: KafkaProducerConfiguration, logger: Logger = Logger(label: "dropflow.kafka.producer"),
                statisticsHandler: (@Sendable (KafkaStatistics) -> Void)? = nil) throws(KafkaError) {
        self.configuration = configuration
        self.logger = logger
        let client = try RDKafkaClient(kind: .producer, properties: configuration.librdkafkaProperties,
                                       logger: logger, statisticsHandler: statisticsHandler) { conf in
            rd_kafka_conf_set_dr_msg_cb(conf, deliveryReportTrampoline)
        }
        self.client = client
        self.poller = PollThread(name: "dropflow.kafka.producer.poll") { thread in
            while thread.shouldRun {
                _ = try? client.withHandle { rk in rd_kafka_poll(rk, 100) }
            }
        }
    }

    /// Sends one message and returns once the broker acknowledged it.
    @discardableResult
    public func send(_ message: KafkaProducerMessage) async throws(KafkaError) -> KafkaDeliveryReport {
        let deadline = ContinuousClock.now + configuration.messageTimeout
        while true {
            let result: Result<KafkaDeliveryReport, KafkaError> = await withCheckedContinuation { continuation in
                do throws(KafkaError) {
                    try enqueue(message) { continuation.resume(returning: $0) }
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
            // The local queue is full: wait for room instead of failing, up to the message timeout.
            if case .failure(let e) = result, e.code == KafkaError.queueFull, ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(2))
                continue
            }
            return try result.get()
        }
    }

    /// Hands one message to librdkafka without waiting. `onDelivery` runs
    /// exactly once, on the producer's poll thread, when the broker
    /// acknowledged the message or it failed. Throws (and does not call
    /// `onDelivery`) when the message cannot even be queued: queue full
    /// (``KafkaError/queueFull``, retriable), too large, unknown partition, closed.
    public func enqueue(_ message: KafkaProducerMessage,
                        onDelivery: @escaping @Sendable (Result<KafkaDeliveryReport, KafkaError>) -> Void) throws(KafkaError) {
        if let fatal = client.context.fatalError { throw fatal }
        let box = Unmanaged.passRetained(DeliveryBox(onDelivery, lastError: { [context = client.context] in context.lastError }))
        let headers = Self.makeHeaders(message.headers)
        let error: OpaquePointer? = try client.withHandle { rk in
            message.topic.withCString { topic in
                withOptionalBytes(message.key) { key, keyLen in
                    withOptionalBytes(message.value) { value, valueLen in
                        dropflow_produce(rk, topic, message.partition ?? dropflow_partition_ua(), key, keyLen,
                                         value, valueLen, headers, message.timestampMs ?? 0, box.toOpaque())
                    }
                }
            }
        }
        if let error {
            box.release()
            if let headers { rd_kafka_headers_destroy(headers) }
            var e = KafkaError(consuming: error)
            if e.code == KafkaError.messageSizeTooLarge {
                let size = (message.value?.count ?? 0) + (message.key?.count ?? 0)
                e = KafkaError(code: e.code, message: "message of \(size) bytes to \(message.topic) exceeds the producer's message.max.bytes",
                               isFatal: false, isRetriable: false)
            }
            throw e
        }
    }

    /// Waits until every queued message is acknowledged or failed.
    public func flush(timeout: Duration = .seconds(30)) async throws(KafkaError) {
        let client = self.client
        let ms = Int32(clamping: timeout.milliseconds)
        let err = try await Blocking.run { () throws(KafkaError) -> rd_kafka_resp_err_t in
            try client.withHandle { rk in rd_kafka_flush(rk, ms) }
        }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(err, message: "flush: messages still unacknowledged after \(timeout)")
        }
    }

    /// The largest message the producer sends (`message.max.bytes`, key, value, headers and
    /// framing); a larger one is refused with ``KafkaError/messageSizeTooLarge`` when queued.
    public var maxMessageBytes: Int {
        configuration.librdkafkaProperties["message.max.bytes"].flatMap { Int($0) } ?? 1_000_000
    }

    /// Messages handed over and not yet acknowledged or failed.
    public var outstandingCount: Int {
        (try? client.withHandle { rk in Int(rd_kafka_outq_len(rk)) }) ?? 0
    }

    /// Flushes (up to ``KafkaProducerConfiguration/flushTimeoutOnClose``), fails
    /// whatever is still unacknowledged with ``KafkaError/purged``, and releases
    /// the client. Later sends throw. Safe to call more than once.
    public func close() async {
        guard !client.isDestroyed else { return }
        do { try await flush(timeout: configuration.flushTimeoutOnClose) } catch {
            logger.warning("producer closed with unacknowledged messages", metadata: ["kafka.error": "\(error)"])
        }
        let client = self.client
        let poller = self.poller
        _ = try? await Blocking.run { () throws(KafkaError) in
            try client.withHandle { rk in
                _ = rd_kafka_purge(rk, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
                // Serve the delivery reports of what was purged, so every waiter is answered.
                var rounds = 0
                while rd_kafka_outq_len(rk) > 0 && rounds < 50 {
                    rd_kafka_poll(rk, 100)
                    rounds += 1
                }
            }
            poller.stopAndWait()
            _ = try? client.withHandle { rk in rd_kafka_poll(rk, 0) }
            client.destroy()
        }
    }

    private static func makeHeaders(_ headers: [KafkaHeader]) -> OpaquePointer? {
        guard !headers.isEmpty else { return nil }
        let h = rd_kafka_headers_new(headers.count)!
        for header in headers {
            if let value = header.value {
                value.withUnsafeBytes { buf in
                    _ = rd_kafka_header_add(h, header.key, -1, buf.baseAddress, buf.count)
                }
            } else {
                _ = rd_kafka_header_add(h, header.key, -1, nil, 0)
            }
        }
        return h
    }

    deinit {
        if !client.isDestroyed {
            poller.stopAndWait()
            client.destroy()
        }
    }
}

/// Calls `body` with a pointer and length for `bytes`; `nil` for `nil`, and a
/// valid non-null pointer for an empty array (an empty value is not a null one).
func withOptionalBytes<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawPointer?, Int) -> R) -> R {
    guard let bytes else { return body(nil, 0) }
    if bytes.isEmpty {
        return withUnsafeBytes(of: 0 as UInt8) { body($0.baseAddress, 0) }
    }
    return bytes.withUnsafeBytes { body($0.baseAddress, $0.count) }
}

/// The per-message context passed to librdkafka as the message opaque.
private final class DeliveryBox {
    let callback: @Sendable (Result<KafkaDeliveryReport, KafkaError>) -> Void
    let lastError: () -> KafkaError?
    init(_ callback: @escaping @Sendable (Result<KafkaDeliveryReport, KafkaError>) -> Void, lastError: @escaping () -> KafkaError?) {
        self.callback = callback
        self.lastError = lastError
    }
}

private let deliveryReportTrampoline: @convention(c) (OpaquePointer?, UnsafePointer<rd_kafka_message_t>?, UnsafeMutableRawPointer?) -> Void = { _, message, _ in
    guard let message, let opaque = message.pointee._private else { return }
    let box = Unmanaged<DeliveryBox>.fromOpaque(opaque).takeRetainedValue()
    let m = message.pointee
    let topic = m.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
    if m.err == RD_KAFKA_RESP_ERR_NO_ERROR {
        box.callback(.success(KafkaDeliveryReport(topic: topic, partition: m.partition, offset: m.offset)))
    } else {
        var error = KafkaError(m.err)
        if m.err == RD_KAFKA_RESP_ERR__MSG_TIMED_OUT, let last = box.lastError() {
            error = KafkaError(code: error.code, message: "\(error.message) sending to \(topic); last client error: \(last.name): \(last.message)",
                               isFatal: false, isRetriable: true)
        } else if m.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART || m.err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC {
            error = KafkaError(code: error.code, message: "topic \(topic) does not exist: \(error.message)",
                               isFatal: false, isRetriable: true)
        }
        box.callback(.failure(error))
    }
}
