import DropflowCore
import CRdKafka
import Dispatch
import Foundation
import Logging

/// What librdkafka's callbacks need to reach: recovered from the handle's
/// opaque pointer inside `@convention(c)` trampolines.
final class RDKafkaContext: @unchecked Sendable {
    let logger: Logger
    let statisticsHandler: (@Sendable (KafkaStatistics) -> Void)?
    /// Set by the consumer; called on its poll thread.
    var rebalanceHandler: ((OpaquePointer, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> Void)?

    private let lock = NSLock()
    private var _lastError: KafkaError?
    private var _fatalError: KafkaError?

    init(logger: Logger, statisticsHandler: (@Sendable (KafkaStatistics) -> Void)?) {
        self.logger = logger
        self.statisticsHandler = statisticsHandler
    }

    /// The last error librdkafka reported through its error callback
    /// (for example "all brokers down"), to explain later failures.
    var lastError: KafkaError? { lock.withLock { _lastError } }
    var fatalError: KafkaError? { lock.withLock { _fatalError } }

    func record(_ error: KafkaError) {
        lock.withLock {
            _lastError = error
            if error.isFatal && _fatalError == nil { _fatalError = error }
        }
    }

    static func from(_ rk: OpaquePointer?) -> RDKafkaContext? {
        guard let rk, let opaque = rd_kafka_opaque(rk) else { return nil }
        return Unmanaged<RDKafkaContext>.fromOpaque(opaque).takeUnretainedValue()
    }
}

/// One librdkafka client handle (`rd_kafka_t`) with its configuration and
/// callbacks. Internal: the public `Kafka…` types own one each.
final class RDKafkaClient: @unchecked Sendable {
    enum Kind { case producer, consumer }

    let handle: OpaquePointer
    let context: RDKafkaContext
    let kind: Kind
    private let lock = NSCondition()
    private var destroyed = false
    private var users = 0

    init(kind: Kind, properties: [String: String], logger: Logger,
         statisticsHandler: (@Sendable (KafkaStatistics) -> Void)? = nil,
         configure: (OpaquePointer) -> Void = { _ in }) throws(KafkaError) {
        let context = RDKafkaContext(logger: logger, statisticsHandler: statisticsHandler)
        let conf = rd_kafka_conf_new()!
        var errstr = [CChar](repeating: 0, count: 512)
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            let rc = rd_kafka_conf_set(conf, key, value, &errstr, errstr.count)
            if rc != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                let shown = KafkaConfiguration.isSecret(key) ? "******" : value
                throw KafkaError.client("invalid Kafka property \(key)=\(shown): \(String(errorBuffer: errstr))")
            }
        }
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(context).toOpaque())
        rd_kafka_conf_set_log_cb(conf, rdkafkaLogTrampoline)
        rd_kafka_conf_set_error_cb(conf, rdkafkaErrorTrampoline)
        if statisticsHandler != nil { rd_kafka_conf_set_stats_cb(conf, rdkafkaStatsTrampoline) }
        configure(conf)
        let type = kind == .producer ? RD_KAFKA_PRODUCER : RD_KAFKA_CONSUMER
        guard let rk = rd_kafka_new(type, conf, &errstr, errstr.count) else {
            // On failure the configuration is still ours.
            rd_kafka_conf_destroy(conf)
            throw KafkaError.client("cannot create Kafka client: \(String(errorBuffer: errstr))")
        }
        self.handle = rk
        self.context = context
        self.kind = kind
        logger.debug("kafka client created", metadata: [
            "kafka.client": "\(String(cString: rd_kafka_name(rk)))",
            "kafka.properties": "\(KafkaConfiguration.redacted(properties))",
        ])
    }

    /// The low and high watermarks of these partitions, one query each (blocking).
    func watermarks(_ partitions: [KafkaTopicPartition], timeout: Duration) throws(KafkaError) -> [KafkaTopicPartition: (low: Int64, high: Int64)] {
        var result: [KafkaTopicPartition: (low: Int64, high: Int64)] = [:]
        for tp in partitions {
            var low: Int64 = 0, high: Int64 = 0
            let err = try withHandle { rk in
                rd_kafka_query_watermark_offsets(rk, tp.topic, tp.partition, &low, &high, Int32(clamping: timeout.milliseconds))
            }
            if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, message: "watermarks of \(tp)") }
            result[tp] = (low, high)
        }
        return result
    }

    /// Runs `body` with the handle unless the client was destroyed. Calls may
    /// overlap (librdkafka is thread-safe); ``destroy()`` waits for them.
    func withHandle<T>(_ body: (OpaquePointer) throws(KafkaError) -> T) throws(KafkaError) -> T {
        lock.lock()
        guard !destroyed else {
            lock.unlock()
            throw KafkaError(RD_KAFKA_RESP_ERR__DESTROY, message: "the Kafka client is closed")
        }
        users += 1
        lock.unlock()
        defer {
            lock.lock()
            users -= 1
            if users == 0 { lock.broadcast() }
            lock.unlock()
        }
        return try body(handle)
    }

    var isDestroyed: Bool { lock.withLock { destroyed } }

    /// Destroys the handle once, after the calls in progress; later calls do
    /// nothing. Blocking: call off the cooperative pool.
    func destroy() {
        lock.lock()
        if destroyed { lock.unlock(); return }
        destroyed = true
        while users > 0 { lock.wait() }
        lock.unlock()
        rd_kafka_destroy(handle)
    }

    /// The fatal error raised on this instance, if any (`rd_kafka_fatal_error`).
    func fatalError() -> KafkaError? {
        var errstr = [CChar](repeating: 0, count: 512)
        let err = rd_kafka_fatal_error(handle, &errstr, errstr.count)
        guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return KafkaError(code: err.rawValue, message: String(errorBuffer: errstr), isFatal: true, isRetriable: false)
    }

    deinit { destroy() }
}

// MARK: - Trampolines (no captured context: everything comes through the opaque)

private let rdkafkaLogTrampoline: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafePointer<CChar>?) -> Void = { rk, level, fac, buf in
    guard let ctx = RDKafkaContext.from(rk) else { return }
    let facility = fac.map { String(cString: $0) } ?? ""
    let text = buf.map { String(cString: $0) } ?? ""
    let swiftLevel: Logger.Level
    switch level {
    case 0...3: swiftLevel = .error
    case 4: swiftLevel = .warning
    case 5, 6: swiftLevel = .info
    default: swiftLevel = .debug
    }
    ctx.logger.log(level: swiftLevel, "\(text)", metadata: ["kafka.facility": "\(facility)"], source: "librdkafka")
}

private let rdkafkaErrorTrampoline: @convention(c) (OpaquePointer?, Int32, UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Void = { rk, code, reason, _ in
    guard let rk, let ctx = RDKafkaContext.from(rk) else { return }
    var error = KafkaError(code: code, message: reason.map { String(cString: $0) })
    if code == RD_KAFKA_RESP_ERR__FATAL.rawValue {
        var errstr = [CChar](repeating: 0, count: 512)
        let underlying = rd_kafka_fatal_error(rk, &errstr, errstr.count)
        error = KafkaError(code: underlying.rawValue, message: String(errorBuffer: errstr), isFatal: true, isRetriable: false)
        ctx.logger.critical("fatal Kafka error", metadata: ["kafka.error": "\(error)"])
    } else {
        ctx.logger.warning("Kafka client error", metadata: ["kafka.error": "\(error)"])
    }
    ctx.record(error)
}

private let rdkafkaStatsTrampoline: @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>?, Int, UnsafeMutableRawPointer?) -> Int32 = { rk, json, len, _ in
    guard let ctx = RDKafkaContext.from(rk), let handler = ctx.statisticsHandler, let json else { return 0 }
    let bytes = UnsafeRawBufferPointer(start: json, count: len)
    do {
        handler(try KafkaStatistics(json: Data(bytes)))
    } catch {
        ctx.logger.debug("undecodable librdkafka statistics", metadata: ["error": "\(error)"])
    }
    return 0 // librdkafka frees the JSON
}

// MARK: - Topic partition lists

extension RDKafkaClient {
    /// A new `rd_kafka_topic_partition_list_t`; the caller destroys it.
    static func makeList(_ offsets: [KafkaTopicPartitionOffset]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = rd_kafka_topic_partition_list_new(Int32(max(offsets.count, 1)))!
        for o in offsets {
            let e = rd_kafka_topic_partition_list_add(list, o.topic, o.partition)!
            e.pointee.offset = o.offset
        }
        return list
    }

    static func makeList(_ partitions: [KafkaTopicPartition]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        makeList(partitions.map { KafkaTopicPartitionOffset($0, offset: dropflow_offset_invalid()) })
    }

    /// The entries of a list, with their offsets and per-entry errors.
    static func entries(_ list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> [(KafkaTopicPartitionOffset, rd_kafka_resp_err_t)] {
        (0..<Int(list.pointee.cnt)).map { i in
            let e = list.pointee.elems[i]
            return (KafkaTopicPartitionOffset(topic: String(cString: e.topic), partition: e.partition, offset: e.offset), e.err)
        }
    }
}

// MARK: - Blocking calls off the cooperative pool

/// Blocking librdkafka calls (flush, synchronous commit, admin requests,
/// metadata) run here, never on Swift's cooperative thread pool.
enum Blocking {
    static let queue = DispatchQueue(label: "dropflow.kafka.blocking", qos: .utility, attributes: .concurrent)

    static func run<T: Sendable>(_ body: @escaping @Sendable () throws(KafkaError) -> T) async throws(KafkaError) -> T {
        let result: Result<T, KafkaError> = await withCheckedContinuation { continuation in
            queue.async {
                do throws(KafkaError) {
                    continuation.resume(returning: .success(try body()))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }
}

/// A thread of its own that runs `body` until `stop` is called.
final class PollThread: @unchecked Sendable {
    private let lock = NSCondition()
    private var running = true
    private var finished = false
    private var thread: Thread?
    private let name: String

    init(name: String, body: @escaping @Sendable (PollThread) -> Void) {
        self.name = name + ".\(UInt32.random(in: 0...UInt32.max))"
        let t = Thread { [self] in
            body(self)
            lock.lock(); finished = true; lock.broadcast(); lock.unlock()
        }
        t.name = self.name
        thread = t
        t.start()
    }

    var shouldRun: Bool { lock.withLock { running } }

    func requestStop() { lock.withLock { running = false } }

    /// Asks the loop to stop and waits until `body` has returned. Blocking.
    func stopAndWait() {
        // Called from the loop itself (a callback dropping the last reference): don't wait on ourselves.
        if Thread.current.name == name { requestStop(); return }
        lock.lock()
        running = false
        while !finished { lock.wait() }
        lock.unlock()
    }

    /// Async variant of ``stopAndWait()``, waiting off the cooperative pool.
    func stop() async {
        _ = try? await Blocking.run { self.stopAndWait() }
    }
}

extension String {
    /// Text of a NUL-terminated error buffer filled in by librdkafka.
    init(errorBuffer buffer: [CChar]) {
        self = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
    }
}
