import DropflowCore
import DropflowJSON
import DropflowSimulator
import Foundation

/// Appends JSON lines to a file from any thread (the live run's ground-truth log).
public final class RecordLog: @unchecked Sendable {
    private let sink: FileSink
    private let failure = Locked<Error?>(nil)
    private let lock = NSLock()

    public init(path: String) throws { sink = try FileSink(path: path) }

    /// Appends one line; a write error is kept and thrown by ``close()``.
    public func append(_ line: JSONValue) {
        lock.withLock {
            do { try sink.write(line.serialized() + [0x0A]) } catch { failure.withLock { $0 = $0 ?? error } }
        }
    }

    public func close() throws {
        try lock.withLock {
            try sink.close()
            if let error = failure.current { throw error }
        }
    }
}

extension LiveSimulation {
    /// Runs live, writing every published record to `recordsTo` and the world's truth to
    /// `truthTo` when given; what it did, in the words `dropflow simulate` prints.
    public func run(recordsTo path: String?, truthTo truthPath: String?) async throws -> String {
        let log = try path.map { try RecordLog(path: $0) }
        if let truthPath {
            let truthLog = try RecordLog(path: truthPath)
            for line in simulationRun.worldTruth { truthLog.append(line) }
            try truthLog.close()
        }
        let summary = try await run { record in log?.append(record.jsonLine) }
        try log?.close()
        var lines = ["published \(summary.published) records; purchase orders: \(summary.purchaseOrdersReceived) received, "
                     + "\(summary.purchaseOrdersAnswered) answered, \(summary.duplicatesIgnored) repeats ignored, "
                     + "\(summary.unreadablePurchaseOrders) unreadable"]
        for (topic, count) in summary.publishedByTopic.sorted(by: { $0.key < $1.key }) { lines.append("  \(topic): \(count)") }
        return lines.joined(separator: "\n")
    }
}
