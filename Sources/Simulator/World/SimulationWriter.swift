import DropflowCore
import DropflowJSON
import DropflowContract
import Foundation

/// Writes a run as JSON Lines: one `{"at","key","topic","truth","value"}` object per record
/// (keys sorted, so the same configuration always gives the same bytes), and optionally a
/// truth summary for evaluators: the run, suppliers and scenarios (``SimulationRun/worldTruth``)
/// followed by one `{"kind":"order",...}` line per order (``OrderTruth/json``).
public enum SimulationWriter {
    /// What a run wrote.
    public struct Summary: Sendable, Hashable {
        public var records = 0
        public var orders = 0
        public var fraudulentOrders = 0
        /// Records per topic, by topic name.
        public var recordsByTopic: [String: Int] = [:]
        public var firstAt: SimInstant?
        public var lastAt: SimInstant?
    }

    /// Writes `run` to the file at `path` (replacing it) and, when `truthPath` is given, its
    /// truth summary there.
    @discardableResult
    public static func write(_ run: SimulationRun, to path: String, truthTo truthPath: String? = nil) throws -> Summary {
        try write(run, worldTruth: run.worldTruth, to: path, truthTo: truthPath)
    }

    /// Writes `records` (a run, or a run with more of the world's answers merged in) to the
    /// file at `path` and, when `truthPath` is given, `worldTruth` and the orders' truth there.
    @discardableResult
    public static func write<Records: Sequence>(_ records: Records, worldTruth: [JSONValue], to path: String,
                                                truthTo truthPath: String? = nil) throws -> Summary where Records.Element == SimRecord {
        let out = try FileSink(path: path)
        let truth = try truthPath.map { try FileSink(path: $0) }
        if let truth {
            for line in worldTruth { try truth.write(line.serialized() + [0x0A]) }
        }
        var summary = Summary()
        for record in records {
            summary.add(record)
            try out.write(record.jsonLineBytes())
            if let truth, record.topic == SimRecord.Topic.ordersPlaced, let t = record.truth {
                try truth.write(t.serialized() + [0x0A])
            }
        }
        try out.close()
        try truth?.close()
        return summary
    }

    /// The whole run as JSON Lines bytes, in memory (tests, small runs).
    public static func jsonLines(_ run: SimulationRun) -> [UInt8] {
        var bytes: [UInt8] = []
        for record in run { bytes.append(contentsOf: record.jsonLineBytes()) }
        return bytes
    }
}

extension SimulationWriter.Summary {
    mutating func add(_ record: SimRecord) {
        records += 1
        recordsByTopic[record.topic, default: 0] += 1
        if record.topic == SimRecord.Topic.ordersPlaced {
            orders += 1
            if record.truth?["is_fraud"]?.boolValue == true { fraudulentOrders += 1 }
        }
        if firstAt == nil { firstAt = record.at }
        lastAt = record.at
    }
}

/// A file written through a 1 MiB buffer (not thread-safe).
public final class FileSink {
    private let handle: FileHandle
    private var buffer: [UInt8] = []

    /// Creates (or empties) the file at `path`.
    public init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        buffer.reserveCapacity(1 << 20)
    }

    public func write(_ bytes: [UInt8]) throws {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { try flush() }
    }

    public func flush() throws {
        guard !buffer.isEmpty else { return }
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    public func close() throws {
        try flush()
        try handle.close()
    }
}
