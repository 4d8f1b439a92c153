import DropflowCore
import DropflowJSON
import DropflowContract
import DropflowKafka
import Foundation
import Logging
import ServiceLifecycle

/// A worker stopped because Kafka said the client can no longer work.
public struct WorkerFatalError: Error, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }
}

/// Runs one stage as an at-least-once consume-transform-produce worker.
///
/// - An input's offset is stored only once every output it caused (or its
///   dead-letter copy) was acknowledged; the committed offset is the highest
///   contiguous finished one per partition; commits run on a timer, when
///   partitions are revoked (synchronously, inside the rebalance), and at shutdown.
/// - One partition is handled in order; partitions run concurrently, at most
///   `concurrency` handlers at once; past `maxInFlight` unfinished inputs the
///   worker stops reading and the consumer pauses fetching.
/// - Invalid input goes to `<topic>.dlq`; retriable handler errors are retried
///   with exponential back-off, pausing only their partition.
/// - Graceful shutdown (SIGTERM/SIGINT through swift-service-lifecycle):
///   stop reading, finish or abandon in-flight work within the timeout,
///   commit, flush, leave the group.
public final class StageWorker: Service, @unchecked Sendable {
    public let stage: StageDefinition
    public let configuration: WorkerConfiguration
    private let logger: Logger
    private let metrics: WorkerMetrics
    private let onReadiness: @Sendable (Bool, String) -> Void

    private let tracker = OffsetTracker()
    private let outputs = OutputSequences()
    private let tables = TableRegistry()
    private let stores: StoreRegistry
    private let clock: EventClock
    private var follower: TableFollower?
    private let handlerPermits: AsyncSemaphore
    private let lock = NSLock()
    private var lanes: [KafkaTopicPartition: PartitionLane] = [:]
    private var fatal: String?
    private var dispatchTask: Task<Void, Error>?
    private var tablesReady = false
    /// Partitions whose state is being restored: the worker is not ready meanwhile.
    private var restoring = 0
    private let inputsByTopic: [String: InputTopic]
    private let outputsByName: [String: TopicDeclaration]
    private let tableNames: Set<String>

    /// - Parameter onReadiness: told when the worker becomes ready (partitions
    ///   assigned and tables replayed) or stops being ready, with why.
    public init(stage: StageDefinition, configuration: WorkerConfiguration, logger: Logger,
                onReadiness: @escaping @Sendable (Bool, String) -> Void = { _, _ in }) {
        self.stage = stage
        self.configuration = configuration
        var l = logger
        l[metadataKey: "stage"] = "\(stage.name)"
        self.logger = l
        self.metrics = WorkerMetrics(stage: stage.name)
        self.onReadiness = onReadiness
        self.handlerPermits = AsyncSemaphore(configuration.concurrency)
        self.inputsByTopic = Dictionary(uniqueKeysWithValues: stage.inputs.map { (configuration.topic($0.name), $0) })
        self.outputsByName = Dictionary(stage.outputs.map { ($0.name, $0) }) { first, _ in first }
        self.tableNames = Set(stage.tables.map(\.name))
        self.stores = StoreRegistry(stores: stage.stores)
        self.clock = EventClock(maxAhead: configuration.maxEventTimeAhead, followWallClock: configuration.streamTimeFollowsWallClock)
    }

    // MARK: Running

    public func run() async throws {
        let config = configuration
        var pc = KafkaProducerConfiguration(config.kafka)
        pc.messageTimeout = config.messageTimeout
        let producer = try KafkaProducer(configuration: pc, logger: logger)

        var tableFollower: TableFollower?
        if !stage.tables.isEmpty || !stage.followed.isEmpty {
            onReadiness(false, "replaying tables")
            let follower = try TableFollower(tables: stage.tables, followed: stage.followed, config: config, stage: stage.name, registry: tables, logger: logger)
            tableFollower = follower
            lock.withLock { self.follower = follower }
            // A SIGTERM during the replay ends it: the worker stops without having worked.
            let replay = Task { try await follower.replay() }
            var replayFailure: Error?
            await withGracefulShutdownHandler {
                do { try await replay.value } catch { replayFailure = error }
            } onGracefulShutdown: {
                replay.cancel()
            }
            if replay.isCancelled || replayFailure is CancellationError {
                logger.info("stopped while replaying tables")
                await follower.close()
                await producer.close()
                return
            }
            if let replayFailure {
                await follower.close()
                await producer.close()
                throw replayFailure
            }
        }
        lock.withLock { tablesReady = true }

        var cc = KafkaConsumerConfiguration(config.kafka, groupID: config.group(for: stage.name))
        cc.sessionTimeout = config.sessionTimeout
        cc.maxPollInterval = config.maxPollInterval
        cc.heartbeatInterval = .milliseconds(max(100, config.sessionTimeout.milliseconds / 10))
        cc.bufferCapacity = max(100, config.maxInFlight / 2)
        cc.bufferCapacityBytes = max(1 << 20, config.maxInFlightBytes / 2)
        if cc.common.statisticsInterval == nil { cc.common.statisticsInterval = .seconds(5) }
        let metrics = self.metrics
        let consumer = try KafkaConsumer(configuration: cc, rebalanceListener: rebalanceListener(), logger: logger) { metrics.lag($0) }
        try consumer.subscribe(topics: stage.inputs.map { config.topic($0.name) })
        onReadiness(false, "waiting for partitions")
        logger.info("worker started", metadata: [
            "kafka.group": "\(cc.groupID)", "kafka.topics": "\(stage.inputs.map { config.topic($0.name) })",
            "worker.concurrency": "\(config.concurrency)"])

        let committer = Task { [self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: config.commitInterval)
                await commit(consumer)
                // The dispatch loop records the gauge as inputs come; this brings it down as they finish.
                metrics.inFlight(tracker.inFlight())
            }
        }
        let dispatch = Task { [self] in try await dispatchLoop(consumer: consumer, producer: producer) }
        lock.withLock { dispatchTask = dispatch }

        var failure: Error?
        await withGracefulShutdownHandler {
            do { try await dispatch.value } catch is CancellationError {} catch { failure = error }
        } onGracefulShutdown: {
            self.logger.info("shutting down: no new work")
            dispatch.cancel()
        }
        committer.cancel()

        // Finish (or abandon) what is in flight, then commit, flush and leave.
        onReadiness(false, "shutting down")
        let deadline = ContinuousClock.now + config.shutdownTimeout
        while tracker.inFlight() > 0 && ContinuousClock.now < deadline && fatalReason == nil {
            try? await Task.sleep(for: .milliseconds(20))
        }
        let abandoned = tracker.inFlight()
        if abandoned > 0 { logger.warning("abandoning unfinished inputs; they will be redelivered", metadata: ["worker.abandoned": "\(abandoned)"]) }
        for lane in lock.withLock({ Array(lanes.values) }) { lane.cancel() }
        if fatalReason == nil {
            try? consumer.storeOffsets(tracker.committable())
        }
        do { try await producer.flush(timeout: .seconds(5)) } catch { logger.warning("flush at shutdown", metadata: ["kafka.error": "\(error)"]) }
        do { try await consumer.close() } catch { logger.error("commit at shutdown failed", metadata: ["kafka.error": "\(error)"]) }
        await producer.close()
        await tableFollower?.close()

        if let reason = fatalReason {
            logger.critical("worker stopped on a fatal error", metadata: ["error": "\(reason)"])
            throw WorkerFatalError(reason: reason)
        }
        if let failure {
            logger.critical("worker stopped on an error", metadata: ["error": "\(failure)"])
            throw failure
        }
        logger.info("worker stopped cleanly")
    }

    private var fatalReason: String? { lock.withLock { fatal } }

    /// The partitions this worker currently owns.
    public var assignedPartitions: Set<KafkaTopicPartition> { tracker.tracked }

    /// Inputs taken from Kafka and not finished yet.
    public var inFlightCount: Int { tracker.inFlight() }

    /// Their size in bytes (keys, values and headers).
    public var inFlightBytes: Int { tracker.inFlightBytes() }

    private func failFatally(_ reason: String) {
        let task: Task<Void, Error>? = lock.withLock {
            if fatal == nil { fatal = reason }
            return dispatchTask
        }
        task?.cancel()
    }

    private func commit(_ consumer: KafkaConsumer) async {
        let offsets = tracker.committable()
        guard !offsets.isEmpty, fatalReason == nil else { return }
        do {
            try consumer.storeOffsets(offsets)
            try await consumer.commit()
            stores.committed(offsets)
        } catch {
            logger.warning("commit failed; will retry", metadata: ["kafka.error": "\(error)"])
        }
    }

    // MARK: Dispatch

    private func dispatchLoop(consumer: KafkaConsumer, producer: KafkaProducer) async throws {
        do {
            try await dispatch(consumer.messages, consumer: consumer, producer: producer)
        } catch let error as KafkaError where error.isFatal {
            // The consumer's fatal error ends its message sequence: a fatal Kafka error, as the producer's.
            failFatally("fatal Kafka consumer error: \(error)")
        }
        if let reason = fatalReason { throw WorkerFatalError(reason: reason) }
    }

    private func dispatch(_ messages: KafkaConsumerMessages, consumer: KafkaConsumer, producer: KafkaProducer) async throws {
        for try await m in messages {
            if Task.isCancelled { break }
            let tp = m.topicPartition
            // Of an earlier assignment of the partition (it reached us late), or no longer ours.
            guard let epoch = tracker.epoch(tp, generation: m.assignmentGeneration) else { continue }
            // Backpressure: wait for room, in inputs and in bytes, before taking more.
            let size = m.size
            while !tracker.hasRoom(maxCount: configuration.maxInFlight, maxBytes: configuration.maxInFlightBytes, for: size)
                    && !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(2))
            }
            if Task.isCancelled { break }
            // An offset at or below the last one taken starts a new epoch (see OffsetTracker).
            guard let registered = tracker.register(tp, offset: m.offset, epoch: epoch, bytes: size) else { continue }
            if registered != epoch {
                logger.warning("partition read again from an earlier offset: its tracking restarts there and the inputs taken after it are abandoned",
                               metadata: ["kafka.partition": "\(tp)", "kafka.offset": "\(m.offset)"])
            }
            metrics.messageIn(m.topic)
            lane(for: tp, epoch: registered, consumer: consumer, producer: producer).enqueue(m)
            metrics.inFlight(tracker.inFlight())
        }
    }

    private func lane(for tp: KafkaTopicPartition, epoch: UInt64, consumer: KafkaConsumer, producer: KafkaProducer) -> PartitionLane {
        lock.withLock {
            if let lane = lanes[tp], lane.epoch == epoch { return lane }
            lanes[tp]?.cancel()
            let lane = PartitionLane(tp: tp, epoch: epoch, backlogLimit: configuration.partitionBacklog, consumer: consumer,
                                     prepare: { [self] in await prepare(tp, epoch: epoch, consumer: consumer, producer: producer) }) { [self] m in
                await process(m, epoch: epoch, producer: producer, consumer: consumer)
            }
            lanes[tp] = lane
            return lane
        }
    }

    // MARK: The assignment barrier

    /// Before a newly assigned partition's first input: its stores restored from their
    /// changelogs, and every table and followed topic read to the watermarks of now, so that the
    /// worker decides with all that earlier owners wrote. False when the partition went away
    /// (or the worker stops) first.
    private func prepare(_ tp: KafkaTopicPartition, epoch: UInt64, consumer: KafkaConsumer, producer: KafkaProducer) async -> Bool {
        let logical = inputsByTopic[tp.topic]?.name ?? tp.topic
        let partitionStores = stores.stores(forInput: logical)
        let follower = lock.withLock { self.follower }
        guard !partitionStores.isEmpty || follower != nil else { return true }
        lock.withLock { restoring += 1 }
        onReadiness(false, "restoring state of \(tp)")
        defer {
            let done = lock.withLock { restoring -= 1; return restoring == 0 }
            if done, fatalReason == nil, !tracker.tracked.isEmpty { onReadiness(true, "state restored") }
        }
        var attempt = 0
        while tracker.epoch(tp) == epoch && !Task.isCancelled {
            do {
                if !partitionStores.isEmpty {
                    // What this worker sent earlier is acknowledged (or failed) before the changelog is read.
                    try? await producer.flush(timeout: .seconds(10))
                    let committed = try await consumer.committed([tp])[tp]
                    let restored = try await StoreRestore.restore(partitionStores, for: tp, committed: committed, config: configuration, logger: logger)
                    guard tracker.epoch(tp) == epoch else { return false }
                    stores.install(tp, restored)
                }
                try await follower?.catchUp()
                return tracker.epoch(tp) == epoch
            } catch let layout as StoreLayoutError {
                failFatally(layout.description)
                return false
            } catch is CancellationError {
                return false
            } catch {
                attempt += 1
                logger.warning("restoring state failed; trying again", metadata: [
                    "kafka.topic": "\(tp.topic)", "kafka.partition": "\(tp.partition)", "error": "\(error)", "attempt": "\(attempt)"])
                try? await Task.sleep(for: .milliseconds(min(5_000, 200 * attempt)))
            }
        }
        return false
    }

    // MARK: Processing one input

    private func process(_ m: KafkaConsumerMessage, epoch: UInt64, producer: KafkaProducer, consumer: KafkaConsumer) async {
        let tp = m.topicPartition
        guard tracker.epoch(tp) == epoch else { return }
        let logical = inputsByTopic[m.topic]?.topic ?? .adHoc(m.topic)
        let log = LazyLogger(base: logger, message: m)

        // Decided before (the record was written, the outputs perhaps not all sent): the recorded
        // outputs again, byte for byte, without deciding afresh.
        if let recorded = stores.recordedDecision(tp, offset: m.offset) {
            log.logger.debug("redelivered input with a recorded decision: its outputs are sent again")
            publish(recorded.outputs.map(stageOutput), for: m, epoch: epoch, producer: producer, log: log)
            return
        }

        let json: JSONValue?
        switch inputsByTopic[m.topic]?.check(key: m.key, value: m.value) ?? .success(nil) {
        case .success(let parsed):
            json = parsed
        case .failure(let invalid):
            log.logger.warning("invalid input sent to the dead-letter topic", metadata: ["dlq.reason": "\(invalid.reason)"])
            metrics.deadLettered(m.topic)
            sendDeadLetter(DeadLetter.message(for: m, reason: invalid.reason, stage: stage.name), for: m, epoch: epoch, producer: producer)
            return
        }

        let input = StageInput(topic: logical, partition: m.partition, offset: m.offset, key: m.key, value: m.value,
                               headers: m.headers, timestampMs: m.timestampMs, json: json)
        let time = clock.observe(EventClock.eventTimeMs(json: json, headers: m.headers, timestampMs: m.timestampMs))
        let eventTime = Date(timeIntervalSince1970: Double(time.eventMs) / 1000)
        var attempt = 1
        while true {
            guard tracker.epoch(tp) == epoch, !Task.isCancelled else { return } // revoked or shutting down: abandon
            let follower = lock.withLock { self.follower }
            let context = StageContext(stage: stage.name, attempt: attempt, logger: log.logger, time: time, tables: tables,
                                       stores: stores, partition: tp, catchUpTables: { try await follower?.catchUp() })
            await handlerPermits.acquire()
            let start = ContinuousClock.now
            let result: Result<[StageOutput], Error>
            do { result = .success(try await stage.handler(input, context)) } catch { result = .failure(error) }
            handlerPermits.release()
            metrics.handlerDuration(m.topic, ContinuousClock.now - start)

            switch result {
            case .success(let outputs):
                decided(outputs, for: m, logical: logical, eventTime: eventTime, epoch: epoch, producer: producer, log: log)
                return
            case .failure(let error):
                // Revoked or shutting down while the handler ran: abandon, it will be redelivered.
                // A CancellationError of the handler's own, when neither happened, is a failure like any other.
                if Task.isCancelled || tracker.epoch(tp) != epoch { return }
                let retriable = (error as? StageError)?.isRetriable ?? false
                if retriable && attempt < configuration.retry.maxAttempts {
                    let wait = configuration.retry.backoff(afterAttempt: attempt)
                    log.logger.warning("handler failed; retrying", metadata: ["attempt": "\(attempt)", "retry.in.ms": "\(wait.milliseconds)", "error": "\(error)"])
                    metrics.retried(m.topic)
                    try? consumer.pause([tp], reason: .retryBackoff(epoch), generation: m.assignmentGeneration)
                    try? await Task.sleep(for: wait)
                    try? consumer.resume([tp], reason: .retryBackoff(epoch), generation: m.assignmentGeneration)
                    attempt += 1
                    continue
                }
                let reason = retriable ? "gave up after \(attempt) attempts: \(error)" : "handler failed: \(error)"
                log.logger.error("input sent to the dead-letter topic", metadata: ["dlq.reason": "\(reason)"])
                metrics.deadLettered(m.topic)
                sendDeadLetter(DeadLetter.message(for: m, reason: reason, stage: stage.name), for: m, epoch: epoch, producer: producer)
                return
            }
        }
    }

    /// What a handler decided: with a record in a store of the input, the record first (tagged
    /// with its cause, holding the outputs), then, once it is acknowledged, the outputs; without
    /// one, the outputs.
    private func decided(_ all: [StageOutput], for m: KafkaConsumerMessage, logical: TopicDeclaration, eventTime: Date, epoch: UInt64,
                         producer: KafkaProducer, log: LazyLogger) {
        let own = stores.stores(forInput: logical.name)
        let isRecord: (StageOutput) -> Bool = { o in own.contains { $0.changelog == o.topic } }
        let records = own.isEmpty ? [] : all.filter(isRecord)
        guard !records.isEmpty else {
            publish(all, for: m, epoch: epoch, producer: producer, log: log)
            return
        }
        let outputs = all.filter { !isRecord($0) }
        let tp = m.topicPartition
        guard records.count == 1, let record = records.first, let key = record.key.flatMap({ String(validating: $0, as: UTF8.self) }),
              let store = own.first(where: { $0.changelog == record.topic }) else {
            deadLetter(m, reason: "the stage's decision records \(records.count) store entries (at most one, with a UTF-8 key)", epoch: epoch,
                       producer: producer, log: log)
            return
        }
        guard let part = stores.partition(store, of: tp) else {
            // The partition was revoked while the handler decided: its stores are gone, and its
            // next owner decides the input again from the restored store. Nothing is sent.
            log.logger.notice("partition revoked while deciding: the input is left to its next owner")
            return
        }
        let decision = RecordedDecision(topic: m.topic, partition: m.partition, offset: m.offset, outputs: outputs.map {
            RecordedOutput(topic: $0.topic.name, key: $0.key, value: $0.value, headers: $0.headers, ceType: $0.ceType)
        })
        let atMs = record.recordTimeMs ?? Int64((eventTime.timeIntervalSince1970 * 1000).rounded())
        let (stored, undo) = part.write(key: key, state: record.value, decision: decision, atMs: atMs)
        let message = KafkaProducerMessage(
            topic: configuration.topic(store.changelog.name), partition: m.partition, key: record.key, value: stored.encoded(),
            headers: [KafkaHeader(key: "dropflow-cause", string: "\(m.topic)/\(m.partition)/\(m.offset)")], timestampMs: m.timestampMs)
        send([message], for: m, epoch: epoch, producer: producer, onRefused: { [self] refused in
            undo()
            deadLetter(m, reason: "decision record for \(refused.topic) refused: \(refused.error)", epoch: epoch, producer: producer, log: log)
        }, then: { [self] in
            guard tracker.epoch(tp) == epoch else { return } // revoked: the next owner finds the record
            publish(outputs, for: m, epoch: epoch, producer: producer, log: log)
        })
    }

    /// Sends outputs; the input is finished once all are acknowledged. An output Kafka refuses
    /// for good (e.g. too large) sends the input to the dead-letter topic instead.
    private func publish(_ outputs: [StageOutput], for m: KafkaConsumerMessage, epoch: UInt64, producer: KafkaProducer, log: LazyLogger) {
        // This worker's own table writes are visible to its next handlers at once.
        for o in outputs where tableNames.contains(o.topic.name) {
            if let key = o.key.flatMap({ String(validating: $0, as: UTF8.self) }) { tables.apply(table: o.topic.name, key: key, value: o.value) }
        }
        send(zip(outputs, EventIdentity.slots(outputs)).map { makeMessage($0, slot: $1, input: m) }, for: m, epoch: epoch,
             producer: producer) { [self] error in
            deadLetter(m, reason: "output to \(error.topic) refused: \(error.error)", epoch: epoch, producer: producer, log: log)
        }
    }

    private func deadLetter(_ m: KafkaConsumerMessage, reason: String, epoch: UInt64, producer: KafkaProducer, log: LazyLogger) {
        log.logger.error("input sent to the dead-letter topic", metadata: ["dlq.reason": "\(reason)"])
        metrics.deadLettered(m.topic)
        sendDeadLetter(DeadLetter.message(for: m, reason: reason, stage: stage.name), for: m, epoch: epoch, producer: producer)
    }

    /// A recorded output as the stage declared it.
    private func stageOutput(_ r: RecordedOutput) -> StageOutput {
        StageOutput(topic: outputsByName[r.topic] ?? .adHoc(r.topic), key: r.key, value: r.value, headers: r.headers, ceType: r.ceType)
    }

    /// The Kafka message for one output, with the runtime's headers.
    func makeMessage(_ output: StageOutput, slot: String, input m: KafkaConsumerMessage) -> KafkaProducerMessage {
        let identity = EventIdentity.inputIdentity(topic: m.topic, partition: m.partition, offset: m.offset, headers: m.headers)
        let id = EventIdentity.outputID(stage: stage.name, input: identity, slot: slot)
        let reserved: Set<String> = ["ce_specversion", "ce_id", "ce_type", "ce_source", "ce_time", "content-type", "traceparent"]
        var headers = output.headers.filter { !reserved.contains($0.key) }
        headers += [
            KafkaHeader(key: "ce_specversion", string: "1.0"),
            KafkaHeader(key: "ce_id", string: id),
            KafkaHeader(key: "ce_type", string: output.ceType),
            KafkaHeader(key: "ce_source", string: "dropflow/\(stage.name)"),
            KafkaHeader(key: "ce_time", string: EventIdentity.rfc3339(ms: m.timestampMs ?? 0)),
            KafkaHeader(key: "content-type", string: "application/json"),
            KafkaHeader(key: "traceparent", string: EventIdentity.traceparent(input: m.headers.string("traceparent"), outputID: id, inputIdentity: identity)),
        ]
        return KafkaProducerMessage(topic: configuration.topic(output.topic.name), key: output.key, value: output.value, headers: headers,
                                    timestampMs: m.timestampMs)
    }

    /// Sends an input's outputs; the input is finished once all are acknowledged. They go
    /// through the partition's ``OutputSequence``: in order after the outputs of earlier inputs,
    /// and, when a delivery fails for a transient reason, sent again from the failed one on, in
    /// order, for as long as it takes. One refused for good calls `onRefused` once (the input's
    /// outputs are then abandoned) and the input is not finished here; without `onRefused`, it
    /// is sent again after a pause. A fatal producer error stops the worker without storing
    /// the offset.
    private func send(_ messages: [KafkaProducerMessage], for m: KafkaConsumerMessage, epoch: UInt64, producer: KafkaProducer,
                      onRefused: (@Sendable (RefusedOutput) -> Void)? = nil, then: (@Sendable () -> Void)? = nil) {
        let tp = m.topicPartition
        let offset = m.offset
        let finish: @Sendable () -> Void = then ?? { [tracker] in tracker.complete(tp, offset: offset, epoch: epoch) }
        guard !messages.isEmpty else {
            finish()
            return
        }
        let outcome = InputOutcome(messages.count)
        let sequence = outputs.sequence(for: tp, epoch: epoch) {
            OutputSequence(producer: producer, logger: logger,
                           isCurrent: { [self] in tracker.epoch(tp) == epoch && fatalReason == nil },
                           onFatal: { [self] error in failFatally("fatal Kafka producer error: \(error)") })
        }
        let metrics = self.metrics
        for message in messages {
            sequence.send(message, delivered: { [self] in
                metrics.messageOut(message.topic)
                if outcome.delivered() { finish() }
            }, refused: { [self] error in
                if let onRefused {
                    if outcome.refuse() { onRefused(RefusedOutput(topic: message.topic, error: error)) }
                    return
                }
                logger.warning("output refused; sending it again", metadata: ["kafka.topic": "\(message.topic)", "kafka.error": "\(error)"])
                Task {
                    try? await Task.sleep(for: .seconds(1))
                    guard self.tracker.epoch(tp) == epoch, self.fatalReason == nil else { return }
                    self.send([message], for: m, epoch: epoch, producer: producer, then: then)
                }
            })
        }
    }

    /// Sends an input's dead-letter copy; the input is finished once it is acknowledged. Where
    /// Kafka refuses the copy for its size, a smaller one is sent (``DeadLetter/smaller(_:maxMessageBytes:)``),
    /// down to an empty value; refused even so, the copy is given up on and the input finished
    /// all the same: a partition always moves on. A copy refused for another reason is sent
    /// again after a pause.
    private func sendDeadLetter(_ copy: KafkaProducerMessage, for m: KafkaConsumerMessage, epoch: UInt64, producer: KafkaProducer,
                                attempt: Int = 1) {
        send([copy], for: m, epoch: epoch, producer: producer) { [self] refused in
            let log = LazyLogger(base: logger, message: m).logger
            let size = copy.value?.count ?? 0
            guard DeadLetter.isRefusedForSize(refused.error) else {
                log.error("dead-letter copy refused; sending it again", metadata: ["kafka.error": "\(refused.error)", "attempt": "\(attempt)"])
                Task {
                    try? await Task.sleep(for: .milliseconds(min(5_000, 100 * attempt)))
                    guard self.tracker.epoch(m.topicPartition) == epoch, self.fatalReason == nil else { return }
                    self.sendDeadLetter(copy, for: m, epoch: epoch, producer: producer, attempt: attempt + 1)
                }
                return
            }
            if let smaller = DeadLetter.smaller(copy, maxMessageBytes: producer.maxMessageBytes) {
                log.warning("dead-letter copy refused for its size; sending it with its value cut",
                            metadata: ["kafka.error": "\(refused.error)", "dlq.value.bytes": "\(size)", "dlq.kept.bytes": "\(smaller.value?.count ?? 0)"])
                sendDeadLetter(smaller, for: m, epoch: epoch, producer: producer)
            } else {
                log.error("dead-letter copy refused even with an empty value; the input is given up on",
                          metadata: ["kafka.error": "\(refused.error)"])
                tracker.complete(m.topicPartition, offset: m.offset, epoch: epoch)
            }
        }
    }

    // MARK: Rebalances (on the consumer's poll thread)

    private func rebalanceListener() -> KafkaRebalanceListener {
        KafkaRebalanceListener(
            assigned: { [self] consumer, parts in
                for tp in parts { tracker.assign(tp, generation: consumer.assignmentGeneration(of: tp) ?? 0) }
                metrics.partitionsAssigned(parts)
                metrics.rebalanced("assigned")
                if lock.withLock({ tablesReady && restoring == 0 }) { onReadiness(true, "partitions assigned: \(parts.count)") }
            },
            revoked: { [self] consumer, parts in
                metrics.rebalanced("revoked")
                let set = Set(parts)
                let drained = tracker.waitDrained(set, until: .now + configuration.revokeTimeout)
                if !drained { logger.warning("revocation: abandoning unfinished inputs", metadata: ["kafka.partitions": "\(parts.sorted())"]) }
                let offsets = tracker.committable(set)
                if fatalReason == nil && !offsets.isEmpty {
                    do {
                        try consumer.storeOffsets(offsets)
                        try consumer.commitSync()
                        stores.committed(offsets)
                    } catch {
                        logger.warning("commit on revocation failed", metadata: ["kafka.error": "\(error)"])
                    }
                }
                dropPartitions(parts)
                if consumer.assignment.subtracting(set).isEmpty { onReadiness(false, "no partitions assigned") }
            },
            lost: { [self] consumer, parts in
                metrics.rebalanced("lost")
                logger.warning("partitions lost; their unfinished inputs will be redelivered elsewhere", metadata: ["kafka.partitions": "\(parts.sorted())"])
                dropPartitions(parts)
                if consumer.assignment.subtracting(parts).isEmpty { onReadiness(false, "partitions lost") }
            })
    }

    private func dropPartitions(_ parts: [KafkaTopicPartition]) {
        for tp in parts {
            tracker.remove(tp)
            stores.remove(tp)
        }
        outputs.drop(parts)
        metrics.partitionsGone(parts)
        let gone: [PartitionLane] = lock.withLock { parts.compactMap { lanes.removeValue(forKey: $0) } }
        for lane in gone { lane.cancel() }
    }
}

/// A logger with an input's topic, partition and offset, made only when used.
struct LazyLogger: Sendable {
    let base: Logger
    let message: KafkaConsumerMessage
    var logger: Logger {
        var l = base
        l[metadataKey: "kafka.topic"] = "\(message.topic)"
        l[metadataKey: "kafka.partition"] = "\(message.partition)"
        l[metadataKey: "kafka.offset"] = "\(message.offset)"
        return l
    }
}

/// An output Kafka refused for good.
struct RefusedOutput: Sendable {
    let topic: String
    let error: KafkaError
}

/// The outputs of one input still unacknowledged. `delivered` is true for the
/// last acknowledgement, unless an output was refused (then the input is
/// finished by its dead-letter copy instead); `refuse` is true only the first time.
final class InputOutcome: @unchecked Sendable {
    private let lock = NSLock()
    private var remaining: Int
    private var refused = false
    init(_ n: Int) { remaining = n }
    func delivered() -> Bool { lock.withLock { remaining -= 1; return remaining == 0 && !refused } }
    func refuse() -> Bool { lock.withLock { defer { refused = true }; return !refused } }
}
