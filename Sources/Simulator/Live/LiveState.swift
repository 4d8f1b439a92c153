import DropflowCore
import DropflowJSON
import DropflowContract
import DropflowSimulator
import Foundation
import Logging

/// What the publishing loop and the purchase-order listener share: the world's responder and
/// the answers waiting for their simulated time (a cancellation withdraws those of the
/// shipments it stops). Guarded by a lock (the responder is single-threaded).
final class LiveState: @unchecked Sendable {
    private let lock = NSLock()
    private let responder: WorldResponder
    private var pending = WorldAgenda()
    private var received = 0
    private var unreadable = 0
    private var lastReceived: ContinuousClock.Instant?

    init(responder: WorldResponder) {
        self.responder = responder
    }

    /// Remembers an order the world placed (for its customer's later questions and returns).
    func observe(_ record: SimRecord) {
        lock.withLock { responder.observe(record) }
    }

    /// Schedules the answers to one `purchase-orders` message received at `at`.
    func receive(purchaseOrder bytes: [UInt8]?, at: SimInstant, logger: Logger) {
        let value = bytes.flatMap { try? JSONValue.parse($0) }
        lock.withLock {
            received += 1
            lastReceived = .now
            guard let value, value["order_id"]?.stringValue != nil, value["supplier_id"]?.stringValue != nil else {
                unreadable += 1
                logger.warning("purchase order is not a JSON object with order_id and supplier_id; no supplier will answer it")
                return
            }
            pending.add(responder.handle(purchaseOrder: value, receivedAt: at))
        }
    }

    /// When the earliest pending answer is due, if any.
    func nextDueTime() -> Int64? { lock.withLock { pending.firstAt() } }

    /// The earliest pending answer.
    func popEarliest() -> SimRecord? { lock.withLock { pending.pop() } }

    /// When the last purchase order arrived.
    var lastPurchaseOrder: ContinuousClock.Instant? { lock.withLock { lastReceived } }

    /// Received, answered, duplicates ignored, unreadable.
    func counts() -> (Int, Int, Int, Int) {
        lock.withLock { (received, responder.answered, responder.duplicatesIgnored, unreadable) }
    }
}
