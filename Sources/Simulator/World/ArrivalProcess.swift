/// When orders arrive: a non-homogeneous Poisson process whose intensity is piecewise constant,
/// `base × rhythm(hour) × Π surge multiples`, changing only at whole hours and at surge
/// boundaries. Within a piece the gap to the next arrival is exponential; a gap that crosses
/// the piece's end restarts at the end (exact, by memorylessness).
struct ArrivalProcess {
    /// Arrivals per second at rhythm factor 1 and no surge.
    let basePerSecond: Double
    let rhythm: DailyRhythm
    let surges: [PromotionSurge]

    /// The factor on the base rate at `t` (rhythm times every active surge's multiple).
    func factor(at t: Double) -> Double {
        let instant = SimInstant(seconds: Int64(t.rounded(.down)))
        var f = rhythm.factor(at: instant)
        for surge in surges where surge.contains(instant) { f *= surge.multiple }
        return f
    }

    /// The first instant after `t` where the intensity may change.
    func nextBoundary(after t: Double) -> Double {
        var boundary = ((t / 3_600).rounded(.down) + 1) * 3_600
        for surge in surges {
            let s = Double(surge.start.seconds)
            let e = Double(surge.end.seconds)
            if s > t && s < boundary { boundary = s }
            if e > t && e < boundary { boundary = e }
        }
        return boundary
    }

    /// The next arrival after `t` (seconds since the epoch, fractional).
    func next(after t: Double, _ rng: inout SimRandom) -> Double {
        var now = t
        while true {
            let boundary = nextBoundary(after: now)
            let rate = basePerSecond * factor(at: now)
            if rate > 0 {
                let candidate = now + rng.exponential(rate: rate)
                if candidate < boundary { return candidate }
            }
            now = boundary
        }
    }
}
