import DropflowCore
import CRdKafka
import Foundation
import Logging

/// What a consumer tells its application about partitions coming and going.
///
/// The callbacks run synchronously on the consumer's poll thread, inside the
/// rebalance: partitions stay assigned until ``revoked`` returns, so it is the
/// place to finish or abandon work on them and commit (``KafkaConsumer/commitSync()``).
/// Buffered, unread messages of revoked partitions are dropped before it runs.
/// ``lost`` means the partitions already belong to another member (session
/// expired, poll interval exceeded): do not commit for them.
public struct KafkaRebalanceListener: Sendable {
    public var assigned: @Sendable (KafkaConsumer, [KafkaTopicPartition]) -> Void
    public var revoked: @Sendable (KafkaConsumer, [KafkaTopicPartition]) -> Void
    public var lost: @Sendable (KafkaConsumer, [KafkaTopicPartition]) -> Void

    public init(assigned: @escaping @Sendable (KafkaConsumer, [KafkaTopicPartition]) -> Void = { _, _ in },
                revoked: @escaping @Sendable (KafkaConsumer, [KafkaTopicPartition]) -> Void = { _, _ in },
                lost: @escaping @Sendable (KafkaConsumer, [KafkaTopicPartition]) -> Void = { _, _ in }) {
        self.assigned = assigned
        self.revoked = revoked
        self.lost = lost
    }
}

/// A member of a consumer group.
///
/// A thread of the consumer's own polls librdkafka, serves rebalances and
/// hands messages to ``messages``. Offsets are stored only by the application
/// (``storeOffset(_:)``), after it is done with a message, and committed by
/// ``commit()``, on a timer (``KafkaConsumerConfiguration/enableAutoCommit``),
/// and at ``close()``, which also leaves the group.
public final class KafkaConsumer: Sendable {
    public let configuration: KafkaConsumerConfiguration
    /// The messages, as an async sequence; one reader at a time.
    public let messages: KafkaConsumerMessages

    private let client: RDKafkaClient
    private let buffer: MessageBuffer
    private let flow: PartitionFlow
    private let state: State
    private let logger: Logger
    private let poller: PollThread

    final class State: @unchecked Sendable {
        let lock = NSLock()
        /// The generation of each partition's assignment, by topic handle and partition: used
        /// only on the poll thread (which also runs the rebalance callback that clears it).
        var pollGenerations: [OpaquePointer: [Int32: UInt64]] = [:]
        var pollGenerationsVersion: UInt64 = 0
        var closeError: KafkaError?
        var closed = false
        weak var consumer: KafkaConsumer?
        var listener: KafkaRebalanceListener?
    }

    public init(configuration: KafkaConsumerConfiguration,
                rebalanceListener: KafkaRebalanceListener? = nil,
                logger: Logger = Logger(label: "dropflow.kafka.consumer"),
                statisticsHandler: (@Sendable (KafkaStatistics) -> Void)? = nil) throws(KafkaError) {
        self.configuration = configuration
        self.logger = logger
        let client = try RDKafkaClient(kind: .consumer, properties: configuration.librdkafkaProperties,
                                       logger: logger, statisticsHandler: statisticsHandler) { conf in
            rd_kafka_conf_set_rebalance_cb(conf, rebalanceTrampoline)
        }
        rd_kafka_poll_set_consumer(client.handle)
        let buffer = MessageBuffer(capacity: configuration.bufferCapacity, capacityBytes: configuration.bufferCapacityBytes)
        let state = State()
        state.listener = rebalanceListener
        let flow = PartitionFlow(isBufferFull: { buffer.isFlowPaused },
                                 repeatableResume: rd_kafka_version() >= 0x0204_0000) { [weak client] parts, pause in
            guard let client else { return Set(parts) }
            do throws(KafkaError) { return try KafkaConsumer.setPaused(client, parts, paused: pause) } catch {
                logger.warning(pause ? "cannot pause partitions" : "cannot resume partitions",
                               metadata: ["kafka.partitions": "\(parts.sorted())", "kafka.error": "\(error)"])
                return Set(parts)
            }
        }
        self.client = client
        self.buffer = buffer
        self.flow = flow
        self.state = state
        self.messages = KafkaConsumerMessages(buffer: buffer)
        client.context.rebalanceHandler = { rk, err, list in
            KafkaConsumer.rebalance(rk: rk, err: err, list: list, state: state, flow: flow, buffer: buffer, logger: logger)
        }
        buffer.onFlowChange = { _ in flow.bufferChanged() }
        let commitOnClose = configuration.commitOnClose
        self.poller = PollThread(name: "dropflow.kafka.consumer.poll") { thread in
            KafkaConsumer.pollLoop(thread: thread, client: client, buffer: buffer, flow: flow, state: state,
                                   commitOnClose: commitOnClose, logger: logger)
        }
        state.consumer = self
    }

    // MARK: Subscription and assignment

    /// Joins the group for these topics (replacing any earlier subscription).
    public func subscribe(topics: [String]) throws(KafkaError) {
        let list = RDKafkaClient.makeList(topics.map { KafkaTopicPartition(topic: $0, partition: dropflow_partition_ua()) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = try client.withHandle { rk in rd_kafka_subscribe(rk, list) }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, message: "subscribe to \(topics)") }
    }

    /// Reads these partitions from these offsets without joining a group
    /// (for replaying a table topic). `KafkaOffset.beginning`/`.end`/`.stored` work as offsets.
    public func assign(_ partitions: [KafkaTopicPartitionOffset]) throws(KafkaError) {
        let list = RDKafkaClient.makeList(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let flow = self.flow
        let err = try client.withHandle { rk in
            var err = RD_KAFKA_RESP_ERR_NO_ERROR
            flow.assign(partitions.map(\.topicPartition), replacing: true) {
                err = rd_kafka_assign(rk, list)
                return err == RD_KAFKA_RESP_ERR_NO_ERROR
            }
            return err
        }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, message: "assign \(partitions)") }
    }

    /// Messages fetched and waiting for the reader.
    public var bufferedMessageCount: Int { buffer.count }

    /// Their size in bytes (``KafkaConsumerMessage/size``).
    public var bufferedByteCount: Int { buffer.byteCount }

    /// The partitions currently assigned to this member.
    public var assignment: Set<KafkaTopicPartition> { flow.assignment }

    /// The generation of a partition's current assignment (`nil` if it is not assigned): every
    /// assignment of a partition has a new one, stamped on its messages
    /// (``KafkaConsumerMessage/assignmentGeneration``).
    public func assignmentGeneration(of partition: KafkaTopicPartition) -> UInt64? { flow.generation(of: partition) }

    // MARK: Offsets

    /// Marks a message as done: its next offset will be committed.
    public func storeOffset(_ message: KafkaConsumerMessage) throws(KafkaError) {
        try storeOffsets([message.nextOffset])
    }

    /// Stores offsets (each the *next* offset to read) for the next commit.
    public func storeOffsets(_ offsets: [KafkaTopicPartitionOffset]) throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let list = RDKafkaClient.makeList(offsets)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = try client.withHandle { rk in rd_kafka_offsets_store(rk, list) }
        for (o, e) in RDKafkaClient.entries(list) where e != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(e, message: "cannot store offset \(o): \(String(cString: rd_kafka_err2str(e)))")
        }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, message: "store offsets \(offsets)") }
    }

    /// Commits the stored offsets and waits for the broker's answer.
    /// Nothing stored since the last commit is not an error.
    public func commit() async throws(KafkaError) {
        let client = self.client
        try await Blocking.run { () throws(KafkaError) in try KafkaConsumer.commitSync(client, offsets: nil) }
    }

    /// Commits these offsets (each the *next* offset to read) and waits.
    public func commit(_ offsets: [KafkaTopicPartitionOffset]) async throws(KafkaError) {
        let client = self.client
        try await Blocking.run { () throws(KafkaError) in try KafkaConsumer.commitSync(client, offsets: offsets) }
    }

    /// Commits the stored offsets, blocking the calling thread. Meant for
    /// ``KafkaRebalanceListener/revoked`` (which runs on the poll thread); never
    /// call it from async code.
    public func commitSync() throws(KafkaError) {
        try KafkaConsumer.commitSync(client, offsets: nil)
    }

    /// The group's committed offsets for these partitions (`nil` where none).
    public func committed(_ partitions: [KafkaTopicPartition], timeout: Duration = .seconds(10)) async throws(KafkaError) -> [KafkaTopicPartition: Int64] {
        let client = self.client
        return try await Blocking.run { () throws(KafkaError) -> [KafkaTopicPartition: Int64] in
            try KafkaConsumer.committed(client, partitions, timeout: timeout)
        }
    }

    /// The low and high watermarks of these partitions, asked of their leaders. On a consumer
    /// that is fetching, each query waits behind the connection's long-poll fetch (up to
    /// `fetch.wait.max.ms`, 500 ms a partition): to ask often, ask a ``KafkaAdmin``.
    public func watermarks(_ partitions: [KafkaTopicPartition], timeout: Duration = .seconds(10)) async throws(KafkaError) -> [KafkaTopicPartition: (low: Int64, high: Int64)] {
        let client = self.client
        return try await Blocking.run { () throws(KafkaError) -> [KafkaTopicPartition: (low: Int64, high: Int64)] in
            try client.watermarks(partitions, timeout: timeout)
        }
    }

    /// The high watermark of a partition as this consumer's latest fetch response for it gave
    /// it (no request; nil before one arrived). Unlike a ListOffsets answer it is never short:
    /// Tansu answers ListOffsets(latest) with the base offset of the last batch plus one, so a
    /// reader that stops there misses the rest of that batch; its fetch responses carry the true
    /// high watermark.
    public func fetchedHighWatermark(_ tp: KafkaTopicPartition) -> Int64? {
        var low: Int64 = -1001, high: Int64 = -1001
        let err = try? client.withHandle { rk in rd_kafka_get_watermark_offsets(rk, tp.topic, tp.partition, &low, &high) }
        guard err == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0 else { return nil }
        return high
    }

    /// The number of partitions of each of these topics (absent: the topic does not exist).
    public func partitionCounts(_ topics: [String], timeout: Duration = .seconds(10)) async throws(KafkaError) -> [String: Int32] {
        let client = self.client
        return try await Blocking.run { () throws(KafkaError) -> [String: Int32] in
            var result: [String: Int32] = [:]
            for info in try KafkaAdmin.metadata(client, timeout: timeout) where topics.contains(info.name) { result[info.name] = Int32(info.partitionCount) }
            return result
        }
    }

    static func committed(_ client: RDKafkaClient, _ partitions: [KafkaTopicPartition], timeout: Duration) throws(KafkaError) -> [KafkaTopicPartition: Int64] {
        let list = RDKafkaClient.makeList(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = try client.withHandle { rk in rd_kafka_committed(rk, list, Int32(clamping: timeout.milliseconds)) }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, message: "fetch committed offsets") }
        var result: [KafkaTopicPartition: Int64] = [:]
        for (o, e) in RDKafkaClient.entries(list) where e == RD_KAFKA_RESP_ERR_NO_ERROR && o.offset >= 0 {
            result[o.topicPartition] = o.offset
        }
        return result
    }

    static func commitSync(_ client: RDKafkaClient, offsets: [KafkaTopicPartitionOffset]?) throws(KafkaError) {
        let list = offsets.map { RDKafkaClient.makeList($0) }
        defer { if let list { rd_kafka_topic_partition_list_destroy(list) } }
        let err = try client.withHandle { rk in rd_kafka_commit(rk, list, 0) }
        if err == RD_KAFKA_RESP_ERR__NO_OFFSET || err == RD_KAFKA_RESP_ERR_NO_ERROR { return }
        throw KafkaError(err, message: "commit failed: \(String(cString: rd_kafka_err2str(err)))")
    }

    // MARK: Flow control

    /// Stops fetching from these partitions until ``resume(_:)``, for the application's own
    /// reason (``KafkaPauseReason/application``). Messages already buffered are still delivered.
    public func pause(_ partitions: [KafkaTopicPartition]) throws(KafkaError) {
        try pause(partitions, reason: .application)
    }

    /// Lifts ``pause(_:)``: the partitions fetch again unless paused for another reason.
    public func resume(_ partitions: [KafkaTopicPartition]) throws(KafkaError) {
        try resume(partitions, reason: .application)
    }

    /// Adds a reason not to fetch these partitions. A partition fetches only while it has no
    /// reason at all; the consumer's own (its buffer is full) counts too. Reasons belong to an
    /// assignment: a revocation ends them, and partitions not assigned are ignored. With a
    /// `generation` (``assignmentGeneration(of:)``), only a partition still in that
    /// assignment is changed, so a late request of an earlier assignment changes nothing.
    public func pause(_ partitions: [KafkaTopicPartition], reason: KafkaPauseReason, generation: UInt64? = nil) throws(KafkaError) {
        guard !client.isDestroyed else { throw KafkaError(RD_KAFKA_RESP_ERR__DESTROY, message: "the Kafka client is closed") }
        flow.pause(partitions, reason: reason, generation: generation)
    }

    /// Lifts one reason to pause these partitions; see ``pause(_:reason:generation:)``.
    public func resume(_ partitions: [KafkaTopicPartition], reason: KafkaPauseReason, generation: UInt64? = nil) throws(KafkaError) {
        guard !client.isDestroyed else { throw KafkaError(RD_KAFKA_RESP_ERR__DESTROY, message: "the Kafka client is closed") }
        flow.resume(partitions, reason: reason, generation: generation)
    }

    /// Why a partition is not fetched now (empty: it is), or `nil` if it is not assigned.
    public func pauseReasons(_ partition: KafkaTopicPartition) -> Set<KafkaPauseReason>? { flow.reasons(of: partition) }

    /// Pauses or resumes these partitions in librdkafka; returns those it knows no partition
    /// of (its topic not seen yet), which it skipped.
    static func setPaused(_ client: RDKafkaClient, _ partitions: [KafkaTopicPartition], paused: Bool) throws(KafkaError) -> Set<KafkaTopicPartition> {
        guard !partitions.isEmpty else { return [] }
        let list = RDKafkaClient.makeList(partitions)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let err = try client.withHandle { rk in
            paused ? rd_kafka_pause_partitions(rk, list) : rd_kafka_resume_partitions(rk, list)
        }
        if err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(err, message: paused ? "pause" : "resume") }
        return Set(RDKafkaClient.entries(list).filter { $0.1 != RD_KAFKA_RESP_ERR_NO_ERROR }.map(\.0.topicPartition))
    }

    // MARK: Closing

    /// Stops fetching, commits stored offsets (``KafkaConsumerConfiguration/commitOnClose``),
    /// leaves the group (revoking partitions through the listener) and
    /// releases the client. The message sequence ends. Throws the commit's
    /// error, if it failed, after closing all the same. Safe to call twice.
    public func close() async throws(KafkaError) {
        let poller = self.poller
        let client = self.client
        _ = try? await Blocking.run { poller.stopAndWait() }
        if client.context.fatalError != nil || ((try? client.withHandle { _ in client.fatalError() }) ?? nil) != nil {
            // After a fatal error librdkafka's destroy can wait for ever for a consumer group
            // that will not terminate: give it a few seconds, then leave the handle to its
            // thread (whoever stops on a fatal error is about to exit).
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumed = Locked(false)
                let finish: @Sendable () -> Void = {
                    if resumed.withLock({ r in defer { r = true }; return !r }) { c.resume() }
                }
                Blocking.queue.async { client.destroy(); finish() }
                Blocking.queue.asyncAfter(deadline: .now() + 5) { finish() }
            }
        } else {
            _ = try? await Blocking.run { client.destroy() }
        }
        if let e = state.lock.withLock({ () -> KafkaError? in
            defer { state.closeError = nil }
            return state.closeError
        }) { throw e }
    }

    deinit {
        poller.stopAndWait()
        client.destroy()
    }

    // MARK: The poll thread

    private static func pollLoop(thread: PollThread, client: RDKafkaClient, buffer: MessageBuffer, flow: PartitionFlow,
                                 state: State, commitOnClose: Bool, logger: Logger) {
        let rk = client.handle
        var topicNames: [OpaquePointer: String] = [:]
        var batch: [KafkaConsumerMessage] = []
        batch.reserveCapacity(maxBatch)
        // A batch is handed over whole: keep it to a quarter of the buffer's bytes.
        let maxBatchBytes = max(1, buffer.capacityBytes / 4)
        var batchBytes = 0
        var nextHeal = DispatchTime.now().uptimeNanoseconds + healInterval
        polling: while thread.shouldRun {
            // Wait for one message, then take whatever else is ready without
            // waiting, and hand the batch over at once.
            var timeout: Int32 = 100
            // A manual assign() (on any thread) changes generations too.
            let version = flow.assignmentVersion
            if version != state.pollGenerationsVersion {
                state.pollGenerations.removeAll()
                state.pollGenerationsVersion = version
            }
            batchBytes = 0
            while batch.count < maxBatch, batchBytes < maxBatchBytes, let m = rd_kafka_consumer_poll(rk, timeout) {
                timeout = 0
                defer { rd_kafka_message_destroy(m) }
                guard m.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    if m.pointee.err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
                        // Only asked for with `reportPartitionEnd`: handed over in order.
                        if let rkt = m.pointee.rkt {
                            let tp = KafkaTopicPartition(topic: String(cString: rd_kafka_topic_name(rkt)), partition: m.pointee.partition)
                            batch.append(.partitionEnd(tp, offset: m.pointee.offset))
                        }
                        continue
                    }
                    let error = messageError(m)
                    client.context.record(error)
                    if m.pointee.err == RD_KAFKA_RESP_ERR__FATAL {
                        let fatal = client.fatalError() ?? error
                        logger.critical("fatal Kafka consumer error", metadata: ["kafka.error": "\(fatal)"])
                        buffer.push(batch)
                        buffer.finish(fatal)
                        batch.removeAll()
                        break polling
                    }
                    logger.warning("Kafka consumer error", metadata: ["kafka.error": "\(error)"])
                    continue
                }
                let message = convert(m, topicNames: &topicNames, state: state, flow: flow)
                batchBytes += message.size
                batch.append(message)
            }
            buffer.push(batch)
            batch.removeAll(keepingCapacity: true)
            let now = DispatchTime.now().uptimeNanoseconds
            if now >= nextHeal {
                flow.heal()
                nextHeal = now + healInterval
            }
        }
        // Closing, on the thread that owns the consumer's callbacks.
        if commitOnClose {
            do throws(KafkaError) {
                let live = !flow.assignment.isEmpty
                if live { try commitSync(client, offsets: nil) }
            } catch {
                logger.error("commit on close failed", metadata: ["kafka.error": "\(error)"])
                state.lock.withLock { state.closeError = error }
            }
        }
        let err = rd_kafka_consumer_close(rk)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            logger.warning("consumer close", metadata: ["kafka.error": "\(KafkaError(err))"])
        }
        state.lock.withLock { state.closed = true }
        buffer.finish()
    }

    private static func messageError(_ m: UnsafeMutablePointer<rd_kafka_message_t>) -> KafkaError {
        var text = String(cString: rd_kafka_err2str(m.pointee.err))
        if let payload = m.pointee.payload, m.pointee.len > 0 {
            text = String(decoding: UnsafeRawBufferPointer(start: payload, count: m.pointee.len), as: UTF8.self)
        }
        if let rkt = m.pointee.rkt {
            text += " (\(String(cString: rd_kafka_topic_name(rkt)))[\(m.pointee.partition)])"
        }
        return KafkaError(m.pointee.err, message: text)
    }

    /// Most messages handed to the reader in one go.
    static let maxBatch = 256

    /// How often the poll thread resumes again the partitions that should fetch
    /// (``PartitionFlow/heal()``), in nanoseconds.
    static let healInterval: UInt64 = 1_000_000_000

    static func convert(_ m: UnsafeMutablePointer<rd_kafka_message_t>, topicNames: inout [OpaquePointer: String],
                        state: State, flow: PartitionFlow) -> KafkaConsumerMessage {
        let p = m.pointee
        var topic = ""
        var generation: UInt64 = 0
        if let rkt = p.rkt {
            // Topic handles live as long as the client: name each once.
            if let known = topicNames[rkt] { topic = known } else {
                topic = String(cString: rd_kafka_topic_name(rkt))
                topicNames[rkt] = topic
            }
            // The rebalance callback runs on this thread, inside the poll: a message polled after
            // it belongs to the new assignment.
            if let known = state.pollGenerations[rkt]?[p.partition] { generation = known } else {
                generation = flow.generation(of: KafkaTopicPartition(topic: topic, partition: p.partition)) ?? 0
                state.pollGenerations[rkt, default: [:]][p.partition] = generation
            }
        }
        let key = p.key.map { Array(UnsafeRawBufferPointer(start: $0, count: p.key_len)) }
        let value = p.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: p.len)) }
        var headers: [KafkaHeader] = []
        var hdrs: OpaquePointer?
        if rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR, let hdrs {
            var idx = 0
            var name: UnsafePointer<CChar>?
            var val: UnsafeRawPointer?
            var size = 0
            while rd_kafka_header_get_all(hdrs, idx, &name, &val, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
                headers.append(KafkaHeader(key: name.map { String(cString: $0) } ?? "",
                                           value: val.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }))
                idx += 1
            }
        }
        var tstype = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let ts = rd_kafka_message_timestamp(m, &tstype)
        return KafkaConsumerMessage(topic: topic, partition: p.partition, offset: p.offset, key: key, value: value,
                                    headers: headers, timestampMs: ts >= 0 ? ts : nil, assignmentGeneration: generation)
    }

    fileprivate static func rebalance(rk: OpaquePointer, err: rd_kafka_resp_err_t,
                                      list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>,
                                      state: State, flow: PartitionFlow, buffer: MessageBuffer, logger: Logger) {
        let parts = RDKafkaClient.entries(list).map { $0.0.topicPartition }
        let cooperative = String(cString: rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE"
        let (consumer, listener) = state.lock.withLock { (state.consumer, state.listener) }
        // librdkafka is told whether each partition fetches around its assign and unassign
        // calls, which run under the flow's lock (see PartitionFlow).
        switch err {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            flow.assign(parts) {
                if cooperative {
                    if let e = rd_kafka_incremental_assign(rk, list) { logger.error("incremental assign", metadata: ["kafka.error": "\(KafkaError(consuming: e))"]) }
                } else {
                    _ = rd_kafka_assign(rk, list)
                }
                return true
            }
            state.pollGenerations.removeAll()
            logger.info("partitions assigned", metadata: ["kafka.partitions": "\(parts.sorted())"])
            if let consumer, let listener { listener.assigned(consumer, parts) }
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            let lost = rd_kafka_assignment_lost(rk) != 0
            buffer.purge(Set(parts))
            logger.info(lost ? "partitions lost" : "partitions revoked", metadata: ["kafka.partitions": "\(parts.sorted())"])
            if let consumer, let listener {
                if lost { listener.lost(consumer, parts) } else { listener.revoked(consumer, parts) }
            }
            flow.revoke(parts) {
                if cooperative {
                    if let e = rd_kafka_incremental_unassign(rk, list) { logger.error("incremental unassign", metadata: ["kafka.error": "\(KafkaError(consuming: e))"]) }
                } else {
                    _ = rd_kafka_assign(rk, nil)
                }
            }
            state.pollGenerations.removeAll()
        default:
            logger.error("rebalance error", metadata: ["kafka.error": "\(KafkaError(err))"])
            flow.revokeAll { _ = rd_kafka_assign(rk, nil) }
            state.pollGenerations.removeAll()
        }
    }
}

/// Special offsets for ``KafkaConsumer/assign(_:)``.
public enum KafkaOffset {
    public static var beginning: Int64 { dropflow_offset_beginning() }
    public static var end: Int64 { dropflow_offset_end() }
    public static var stored: Int64 { dropflow_offset_stored() }
}

private let rebalanceTrampoline: @convention(c) (OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?, UnsafeMutableRawPointer?) -> Void = { rk, err, list, _ in
    guard let rk, let list, let ctx = RDKafkaContext.from(rk), let handler = ctx.rebalanceHandler else { return }
    handler(rk, err, list)
}
