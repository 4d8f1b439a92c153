import DropflowCore
import Testing
@testable import DropflowSimulator

/// The seeded generator and its distributions.
@Suite struct RandomTests {
    @Test func sameSeedSameSequenceAndStreamsAreIndependent() {
        var a = SimRandom(seed: 7)
        var b = SimRandom(seed: 7)
        #expect((0..<100).map { _ in a.next() } == (0..<100).map { _ in b.next() })
        var c = SimRandom(seed: 7, stream: "orders")
        var d = SimRandom(seed: 7, stream: "feeds")
        #expect(c.next() != d.next())
    }

    @Test func splitMix64AndXoshiroMatchTheirReferenceOutputs() {
        // SplitMix64 from state 0 (reference: Vigna's splitmix64.c).
        var mixer = SplitMix64(seed: 0)
        #expect(mixer.next() == 0xE220_A839_7B1D_CDAF)
        #expect(mixer.next() == 0x6E78_9E6A_A1B9_65F4)
        // xoshiro256** on that state, computed independently (a Python transcription of
        // Vigna's xoshiro256starstar.c); also pins every run's output against generator changes.
        var rng = SimRandom(seed: 0)
        #expect(rng.next() == 0x99EC_5F36_CB75_F2B4)
    }

    @Test func uniformAndBoundedIntegersAreUniform() {
        var rng = SimRandom(seed: 1)
        let u = (0..<100_000).map { _ in rng.uniform() }
        #expect(u.allSatisfy { $0 >= 0 && $0 < 1 })
        #expect(abs(u.reduce(0, +) / 100_000 - 0.5) < 0.01)
        var buckets = [Int](repeating: 0, count: 7)
        for _ in 0..<70_000 { buckets[rng.int(below: 7)] += 1 }
        #expect(buckets.allSatisfy { abs($0 - 10_000) < 500 })
        #expect((0..<1_000).allSatisfy { _ in (3...5).contains(rng.int(in: 3...5)) })
    }

    @Test(arguments: [0.7, 3.0, 29.0, 80.0, 500.0])
    func poissonHasMeanAndVarianceLambda(lambda: Double) {
        var rng = SimRandom(seed: UInt64(lambda * 10))
        let n = 50_000
        let xs = (0..<n).map { _ in Double(rng.poisson(lambda)) }
        let mean = xs.reduce(0, +) / Double(n)
        let variance = xs.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
        #expect(within(mean, lambda, 0.02))
        #expect(within(variance, lambda, 0.05))
    }

    @Test func normalLogNormalAndExponentialHaveTheirMoments() {
        var rng = SimRandom(seed: 2)
        let n = 100_000
        let z = (0..<n).map { _ in rng.normal(mean: 10, sd: 2) }
        let mean = z.reduce(0, +) / Double(n)
        let sd = (z.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)).squareRoot()
        #expect(abs(mean - 10) < 0.03 && abs(sd - 2) < 0.03)
        let ln = (0..<n).map { _ in rng.logNormal(mu: 1, sigma: 0.5) }
        #expect(within(quantile(ln, 0.5), 2.718_281_8, 0.02))
        let e = (0..<n).map { _ in rng.exponential(rate: 4) }
        #expect(within(e.reduce(0, +) / Double(n), 0.25, 0.02))
    }

    @Test func weightedChoicesFollowTheirWeights() {
        var rng = SimRandom(seed: 3)
        let weights = [1.0, 0, 3, 6]
        var counts = [0, 0, 0, 0]
        var tableCounts = [0, 0, 0, 0]
        let table = WeightedTable(weights)
        for _ in 0..<100_000 {
            counts[rng.weightedIndex(weights)] += 1
            tableCounts[table.draw(&rng)] += 1
        }
        for (i, w) in weights.enumerated() {
            #expect(abs(Double(counts[i]) / 100_000 - w / 10) < 0.01)
            #expect(abs(Double(tableCounts[i]) / 100_000 - w / 10) < 0.01)
        }
        #expect(counts[1] == 0 && tableCounts[1] == 0)
    }

    @Test func distinctIndicesAndShuffleArePermutations() {
        var rng = SimRandom(seed: 4)
        let picked = rng.distinctIndices(5, of: 8)
        #expect(picked.count == 5 && Set(picked).count == 5 && picked.allSatisfy { (0..<8).contains($0) })
        #expect(rng.shuffled(Array(0..<50)).sorted() == Array(0..<50))
    }
}
