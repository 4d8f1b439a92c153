import DropflowCore
import Testing

/// Hashing, the PRNG, the lock and durations: small pieces every module relies on.
@Suite struct CoreTests {
    @Test func fnv1aMatchesTheReferenceVectors() {
        #expect(FNV1a.hash("".utf8) == 0xcbf2_9ce4_8422_2325)
        #expect(FNV1a.hash("a".utf8) == 0xaf63_dc4c_8601_ec8c)
        #expect(FNV1a.hash("foobar".utf8) == 0x8594_4171_f739_67e8)
        #expect(UInt64(0xab).hex16 == "00000000000000ab")
    }

    @Test func splitMix64IsTheReferenceSequence() {
        // The first outputs for seed 0 of Vigna's reference implementation.
        var rng = SplitMix64(seed: 0)
        #expect(rng.next() == 0xe220_a839_7b1d_cdaf)
        #expect(rng.next() == 0x6e78_9e6a_a1b9_65f4)
        var a = SplitMix64(seed: 42), b = SplitMix64(seed: 42)
        for _ in 0..<100 { #expect(a.unit() == b.unit()) }
        var c = SplitMix64(seed: 7)
        for _ in 0..<1_000 { let u = c.unit(); #expect(u >= 0 && u < 1) }
    }

    @Test func lockedSerializesConcurrentUpdates() async {
        let counter = Locked(0)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 { group.addTask { for _ in 0..<1_000 { counter.withLock { $0 += 1 } } } }
        }
        #expect(counter.current == 8_000)
    }

    @Test func durationUnits() {
        #expect(Duration.milliseconds(1_500).milliseconds == 1_500)
        #expect(Duration.milliseconds(-3).milliseconds == 0)
        #expect(Duration.seconds(2).nanoseconds == 2_000_000_000)
        #expect(Duration.milliseconds(250).inSeconds == 0.25)
        #expect(Duration.seconds(fractional: 0.5) == .milliseconds(500))
    }
}
