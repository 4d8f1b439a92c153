import DropflowCore
import DropflowJSON
import DropflowContract
import Foundation

/// The simulator's only source of randomness: xoshiro256** seeded through SplitMix64.
///
/// Every draw is a pure function of the seed and the draws before it, so the same seed gives
/// the same simulation byte for byte (on the same platform: the continuous distributions use
/// `log`, `exp`, `cos` and `sqrt` from the C library). `SystemRandomNumberGenerator` is never
/// used, and neither are the standard library's `random(in:using:)` helpers, whose algorithms
/// may change between Swift versions; the bounded integer below is Lemire's method, written
/// out here.
public struct SimRandom: RandomNumberGenerator, Sendable {
    private var s0: UInt64
    private var s1: UInt64
    private var s2: UInt64
    private var s3: UInt64

    /// A generator whose state is four SplitMix64 outputs of `seed`.
    public init(seed: UInt64) {
        var mixer = SplitMix64(seed: seed)
        s0 = mixer.next()
        s1 = mixer.next()
        s2 = mixer.next()
        s3 = mixer.next()
    }

    /// An independent stream for one part of the simulation (`"orders"`, `"feeds"`, ...), so that
    /// drawing more numbers in one part never shifts the numbers another part sees.
    public init(seed: UInt64, stream: String) {
        var mixer = SplitMix64(seed: seed ^ FNV1a.hash(stream.utf8))
        self.init(seed: mixer.next())
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = Self.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = Self.rotl(s3, 45)
        return result
    }

    @inline(__always)
    private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    // MARK: - Uniform

    /// A uniform double in [0, 1), 53 random bits.
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A uniform double in [low, high).
    public mutating func uniform(_ low: Double, _ high: Double) -> Double {
        low + (high - low) * uniform()
    }

    /// A uniform integer in [0, bound) (Lemire's nearly divisionless method); 0 when bound <= 1.
    public mutating func int(below bound: Int) -> Int {
        guard bound > 1 else { return 0 }
        let n = UInt64(bound)
        var product = next().multipliedFullWidth(by: n)
        if product.low < n {
            let threshold = (0 &- n) % n
            while product.low < threshold {
                product = next().multipliedFullWidth(by: n)
            }
        }
        return Int(product.high)
    }

    /// A uniform integer in `range`.
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + int(below: range.upperBound - range.lowerBound + 1)
    }

    /// `true` with probability `p`.
    public mutating func chance(_ p: Double) -> Bool {
        uniform() < p
    }

    /// A uniformly chosen element of a non-empty array.
    public mutating func element<T>(of array: [T]) -> T {
        array[int(below: array.count)]
    }

    /// `count` distinct indices of [0, n) in random order (partial Fisher–Yates).
    public mutating func distinctIndices(_ count: Int, of n: Int) -> [Int] {
        var pool = Array(0..<n)
        let k = min(count, n)
        for i in 0..<k {
            pool.swapAt(i, i + int(below: n - i))
        }
        return Array(pool[0..<k])
    }

    /// A random permutation of `array`.
    public mutating func shuffled<T>(_ array: [T]) -> [T] {
        var copy = array
        if copy.count > 1 {
            for i in stride(from: copy.count - 1, to: 0, by: -1) {
                copy.swapAt(i, int(below: i + 1))
            }
        }
        return copy
    }

    // MARK: - Continuous distributions

    /// A normal deviate (Box–Muller, one of the pair; no cached state).
    public mutating func normal(mean: Double = 0, sd: Double = 1) -> Double {
        let u1 = 1 - uniform()  // (0, 1]
        let u2 = uniform()
        return mean + sd * (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// A log-normal deviate: `exp(normal(mu, sigma))`.
    public mutating func logNormal(mu: Double, sigma: Double) -> Double {
        exp(normal(mean: mu, sd: sigma))
    }

    /// An exponential deviate with `rate` events per unit (mean 1/rate).
    public mutating func exponential(rate: Double) -> Double {
        -log(1 - uniform()) / rate
    }

    // MARK: - Discrete distributions

    /// A Poisson deviate with mean `lambda`: Knuth's product method below 30, Hörmann's
    /// transformed rejection (PTRS) above.
    public mutating func poisson(_ lambda: Double) -> Int {
        guard lambda > 0 else { return 0 }
        if lambda < 30 {
            let limit = exp(-lambda)
            var k = 0
            var p = uniform()
            while p > limit {
                k += 1
                p *= uniform()
            }
            return k
        }
        let slam = lambda.squareRoot()
        let loglam = log(lambda)
        let b = 0.931 + 2.53 * slam
        let a = -0.059 + 0.02483 * b
        let invalpha = 1.1239 + 1.1328 / (b - 3.4)
        let vr = 0.9277 - 3.6224 / (b - 2)
        while true {
            let u = uniform() - 0.5
            let v = uniform()
            let us = 0.5 - abs(u)
            let k = (2 * a / us + b) * u + lambda + 0.43
            if us >= 0.07 && v <= vr { return Int(k) }
            if k < 0 || (us < 0.013 && v > us) { continue }
            let kk = k.rounded(.down)
            if log(v) + log(invalpha) - log(a / (us * us) + b) <= -lambda + kk * loglam - lgamma(kk + 1) {
                return Int(kk)
            }
        }
    }

    /// An index of `weights` chosen with probability proportional to its weight (linear scan;
    /// use ``WeightedTable`` for repeated draws from a long list).
    public mutating func weightedIndex(_ weights: [Double]) -> Int {
        var total = 0.0
        for w in weights { total += w }
        var target = uniform() * total
        for (i, w) in weights.enumerated() {
            target -= w
            if target < 0 { return i }
        }
        return weights.count - 1
    }
}

/// Cumulative weights for repeated weighted draws in O(log n).
public struct WeightedTable: Sendable {
    private let cumulative: [Double]

    /// A table over `weights` (non-negative, not all zero).
    public init(_ weights: [Double]) {
        var running = 0.0
        cumulative = weights.map { running += $0; return running }
    }

    /// How many weights the table holds.
    public var count: Int { cumulative.count }

    /// An index chosen with probability proportional to its weight.
    public func draw(_ rng: inout SimRandom) -> Int {
        let target = rng.uniform() * (cumulative.last ?? 0)
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let mid = (low + high) / 2
            if cumulative[mid] > target { high = mid } else { low = mid + 1 }
        }
        return low
    }
}
