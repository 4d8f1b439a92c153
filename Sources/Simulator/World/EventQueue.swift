/// A min-heap of events by (time, insertion number): events at the same second come out in the
/// order they were scheduled, which makes the run's order total and deterministic.
public struct EventQueue<Event> {
    private struct Entry {
        let at: Int64
        let sequence: UInt64
        let event: Event
    }

    private var heap: [Entry] = []
    private var nextSequence: UInt64 = 0

    public init() {}

    public var isEmpty: Bool { heap.isEmpty }
    public var count: Int { heap.count }
    /// The time of the earliest event, or nil when empty.
    public var firstAt: Int64? { heap.first?.at }

    /// The earliest event, left in place.
    public func peek() -> Event? { heap.first?.event }

    /// Schedules `event` at `at` (seconds since the epoch).
    public mutating func push(_ event: Event, at: Int64) {
        heap.append(Entry(at: at, sequence: nextSequence, event: event))
        nextSequence += 1
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard Self.precedes(heap[child], heap[parent]) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// The earliest event and its time, or nil.
    public mutating func pop() -> (at: Int64, event: Event)? {
        guard !heap.isEmpty else { return nil }
        let top = heap[0]
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var parent = 0
            while true {
                let left = 2 * parent + 1
                let right = left + 1
                var smallest = parent
                if left < heap.count && Self.precedes(heap[left], heap[smallest]) { smallest = left }
                if right < heap.count && Self.precedes(heap[right], heap[smallest]) { smallest = right }
                if smallest == parent { break }
                heap.swapAt(parent, smallest)
                parent = smallest
            }
        }
        return (top.at, top.event)
    }

    private static func precedes(_ a: Entry, _ b: Entry) -> Bool {
        a.at != b.at ? a.at < b.at : a.sequence < b.sequence
    }
}
