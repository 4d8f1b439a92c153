import Foundation

/// A count that halves every `halfLifeHours` of event time.
public struct DecayingCount: Sendable, Hashable {
    public private(set) var weight = 0.0
    public private(set) var at: Int64 = 0

    public init() {}

    public mutating func add(at seconds: Int64, halfLifeHours: Double) {
        weight = value(at: max(seconds, at), halfLifeHours: halfLifeHours) + 1
        at = max(seconds, at)
    }

    public func value(at seconds: Int64, halfLifeHours: Double) -> Double {
        seconds > at ? weight * pow(0.5, Double(seconds - at) / (halfLifeHours * 3_600)) : weight
    }
}

/// How a carrier's lane is doing lately, from its parcels' tracking: parcels collected, and
/// those the carrier flagged with an exception (a strike, a disruption, a damaged label), each
/// weighing half as much every ``LeadTimeLearner/Settings/laneHalfLifeHours`` of event time. A
/// sudden run of exceptions degrades the lane within hours; as they stop (the strike ends,
/// deliveries resume), the share falls and the lane recovers.
public struct LaneHealth: Sendable, Hashable {
    /// Recent parcels collected and recent exceptions (decayed weights).
    public var pickups: Double
    public var exceptions: Double
    /// The last exception's detail, for the explanation.
    public var lastDetail: String?
    /// Degraded from this many recent exceptions and this share of recent parcels.
    public static let minimumExceptions = 3.0
    public static let degradedShare = 0.25

    public static let healthy = LaneHealth(pickups: 0, exceptions: 0, lastDetail: nil)

    /// Exceptions per parcel collected lately.
    public var exceptionShare: Double { exceptions / max(pickups, exceptions, 1) }
    public var isDegraded: Bool { exceptions >= Self.minimumExceptions && exceptionShare >= Self.degradedShare }
}

/// The signals of one lane, as the learner keeps them.
struct LaneSignals: Sendable {
    var pickups = DecayingCount()
    var exceptions = DecayingCount()
    var lastDetail: String?

    func health(at seconds: Int64, halfLifeHours: Double) -> LaneHealth {
        LaneHealth(pickups: pickups.value(at: seconds, halfLifeHours: halfLifeHours),
                   exceptions: exceptions.value(at: seconds, halfLifeHours: halfLifeHours), lastDetail: lastDetail)
    }
}
