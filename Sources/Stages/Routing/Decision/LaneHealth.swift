import DropflowPipeline
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

/// A lane seen turning from healthy to degraded: what re-routes the orders waiting to be
/// handed over to its carrier there.
public struct LaneFailure: Sendable, Hashable {
    public var lane: CarrierLane
    /// The event time of the exception that turned it (seconds): the start of this spell of
    /// degradation, so that a lane that recovers and fails again fails anew.
    public var since: Int64
    /// The lane's health just after.
    public var health: LaneHealth

    public init(lane: CarrierLane, since: Int64, health: LaneHealth) {
        self.lane = lane
        self.since = since
        self.health = health
    }
}

/// The signals of one lane, as the learner keeps them.
struct LaneSignals: Sendable {
    var pickups = DecayingCount()
    var exceptions = DecayingCount()
    var lastDetail: String?
    /// When the lane's current spell of degradation began, as of its latest signal (nil while healthy).
    var degradedSince: Int64?

    func health(at seconds: Int64, halfLifeHours: Double) -> LaneHealth {
        LaneHealth(pickups: pickups.value(at: seconds, halfLifeHours: halfLifeHours),
                   exceptions: exceptions.value(at: seconds, halfLifeHours: halfLifeHours), lastDetail: lastDetail)
    }

    /// A parcel collected at `seconds` (which may end a spell of degradation).
    mutating func collected(at seconds: Int64, halfLifeHours: Double) {
        _ = following(at: seconds, halfLifeHours: halfLifeHours) { $0.pickups.add(at: seconds, halfLifeHours: halfLifeHours) }
    }

    /// A parcel the carrier flagged with an exception at `seconds`: true when it turned the lane
    /// from healthy to degraded.
    mutating func flagged(_ detail: String?, at seconds: Int64, halfLifeHours: Double) -> Bool {
        following(at: seconds, halfLifeHours: halfLifeHours) {
            $0.exceptions.add(at: seconds, halfLifeHours: halfLifeHours)
            $0.lastDetail = detail
        }
    }

    /// Applies `change`, a signal at `seconds`, and follows the spells of degradation by the
    /// lane's health before and after it at that time: true when it began one.
    private mutating func following(at seconds: Int64, halfLifeHours: Double, _ change: (inout LaneSignals) -> Void) -> Bool {
        let before = health(at: seconds, halfLifeHours: halfLifeHours).isDegraded
        change(&self)
        guard health(at: seconds, halfLifeHours: halfLifeHours).isDegraded else {
            degradedSince = nil
            return false
        }
        guard !before || degradedSince == nil else { return false }
        degradedSince = seconds
        return true
    }
}
