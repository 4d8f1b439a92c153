import DropflowCore
import DropflowJSON
import DropflowContract
import Testing
@testable import DropflowFraudModel

/// Prints throughput figures; asserts nothing about speed (debug builds are slow, machines differ).
@Suite("Throughput (printed, not asserted)")
struct ThroughputTests {
    @Test("tracker records and history lookups, feature extraction and scoring per second")
    func throughput() {
        let orders = SimulatedHistory.orders.prefix(10_000)
        let signals = orders.compactMap(\.signal)
        let clock = ContinuousClock()
        var tracker = VelocityTracker()
        var histories: [OrderHistory] = []
        histories.reserveCapacity(signals.count)
        let trackerTime = clock.measure {
            for s in signals {
                histories.append(tracker.history(for: s, at: s.at))
                tracker.record(s)
            }
        }
        var features: [FraudFeatures] = []
        let featureTime = clock.measure {
            for (o, h) in zip(orders, histories) { features.append(o.features(history: h)) }
        }
        let model = SimulatedHistory.trained.model
        var sink = 0.0
        let scoreTime = clock.measure {
            for f in features { sink += model.score(f).probability }
        }
        func rate(_ n: Int, _ d: Duration) -> Int {
            let s = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
            return Int(Double(n) / max(s, 1e-9))
        }
        print("throughput (this build): tracker history+record \(rate(signals.count, trackerTime))/s,"
              + " features \(rate(features.count, featureTime))/s, score with reasons \(rate(features.count, scoreTime))/s"
              + " (checksum \(Int(sink)))")
        #expect(histories.count == signals.count)
    }
}
