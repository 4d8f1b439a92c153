import DropflowContract
import DropflowCore
import DropflowPipeline
import Foundation

/// Observed durations in log space, each weighing less as it ages (a half-life in event time):
/// the sufficient statistics of a log-normal fit that follows a supplier or a lane as it changes.
public struct DecayingLogDays: Sendable, Hashable {
    /// Decayed weight, and the weighted sums of ln(days) and of its square, as of ``at``.
    public private(set) var weight = 0.0
    private var sum = 0.0, sumOfSquares = 0.0
    /// Observations ever added (undecayed, for explanations).
    public private(set) var count = 0
    /// Event time of the last decay, seconds.
    public private(set) var at: Int64 = 0

    public init() {}

    /// One observation of `days` at `seconds`.
    public mutating func add(_ days: Double, at seconds: Int64, halfLifeDays: Double) {
        decay(to: seconds, halfLifeDays: halfLifeDays)
        let x = log(max(days, 0.01))
        weight += 1
        sum += x
        sumOfSquares += x * x
        count += 1
    }

    private mutating func decay(to seconds: Int64, halfLifeDays: Double) {
        guard seconds > at else { return }
        let factor = Self.factor(from: at, to: seconds, halfLifeDays: halfLifeDays)
        weight *= factor
        sum *= factor
        sumOfSquares *= factor
        at = seconds
    }

    static func factor(from: Int64, to: Int64, halfLifeDays: Double) -> Double {
        to > from ? pow(0.5, Double(to - from) / (halfLifeDays * 86_400)) : 1
    }

    /// The weight the observations have at `seconds`.
    public func weight(at seconds: Int64, halfLifeDays: Double) -> Double {
        weight * Self.factor(from: at, to: seconds, halfLifeDays: halfLifeDays)
    }

    /// The fit after the observations, starting from `prior` worth `priorWeight` observations
    /// (a normal-gamma update in log space): with few observations close to the prior, with many
    /// their own mean and spread; a prior far from them widens the spread until they outweigh it.
    ///
    /// `unfinished` are the days elapsed of what has not finished yet (a purchase order not
    /// shipped, a parcel not delivered): each is known to take longer. Leaving them out would
    /// learn from the quick ones alone (a slow lane's first deliveries are its fastest); each
    /// counts as one observation at its expected value given that it is longer than its elapsed
    /// time, under the fit (expectation–maximization, iterated until the fit settles).
    public func posterior(prior: LogNormalDays, priorWeight: Double, at seconds: Int64, halfLifeDays: Double,
                          unfinished: [Double] = []) -> LogNormalDays {
        let k = max(priorWeight, 1e-9)
        let n = weight(at: seconds, halfLifeDays: halfLifeDays)
        let s1 = weight > 0 ? sum / weight * n : 0, s2 = weight > 0 ? sumOfSquares / weight * n : 0
        var fit = Self.update(prior: prior, k: k, n: n, s1: s1, s2: s2)
        let cuts = unfinished.filter { $0 > 0 }.map { log(max($0, 0.01)) }
        guard !cuts.isEmpty else { return fit }
        for _ in 0..<12 {
            var t1 = s1, t2 = s2
            for c in cuts {
                let (m1, m2) = Self.truncatedMoments(mu: fit.mu, sigma: fit.sigma, above: c)
                t1 += m1
                t2 += m2
            }
            let next = Self.update(prior: prior, k: k, n: n + Double(cuts.count), s1: t1, s2: t2)
            let settled = abs(next.mu - fit.mu) < 0.002 && abs(next.sigma - fit.sigma) < 0.002
            fit = next
            if settled { break }
        }
        return fit
    }

    /// The normal-gamma update of `prior` (worth `k`) by `n` observations with sums `s1`, `s2`.
    static func update(prior: LogNormalDays, k: Double, n: Double, s1: Double, s2: Double) -> LogNormalDays {
        guard n > 1e-9 else { return prior }
        let mean = s1 / n
        let variance = max(0, s2 / n - mean * mean)
        let mu = (k * prior.mu + n * mean) / (k + n)
        let spread = (k * prior.sigma * prior.sigma + n * variance + k * n / (k + n) * (mean - prior.mu) * (mean - prior.mu)) / (k + n)
        return LogNormalDays(mu: mu, sigma: spread.squareRoot())
    }

    /// E[Y] and E[Y²] of a normal (`mu`, `sigma`) given Y > `c`.
    static func truncatedMoments(mu: Double, sigma: Double, above c: Double) -> (Double, Double) {
        let a = min((c - mu) / sigma, 30)
        let tail = 0.5 * erfc(a / 2.0.squareRoot())
        let lambda = tail > 1e-300 ? exp(-a * a / 2) / (2 * Double.pi).squareRoot() / tail : a
        let mean = mu + sigma * lambda
        let variance = sigma * sigma * max(1e-6, 1 + a * lambda - lambda * lambda)
        return (mean, variance + mean * mean)
    }
}

/// A lead time as routing uses it: the distribution, and how much of it the events taught.
public struct LearnedDays: Sendable, Hashable {
    public var days: LogNormalDays
    /// What was stated (or configured) before any event.
    public var prior: LogNormalDays
    /// Observations behind it (ever), and the share of the fit they carry now (0: the prior alone).
    public var observations: Int
    public var dataShare: Double

    /// Whether the events have found the stated figure wrong: a few observations and a median
    /// off by more than a third.
    public var contradictsPrior: Bool {
        observations >= 3 && dataShare >= 0.5 && abs(log(days.median / prior.median)) > log(1.33)
    }
}

/// What routing learns of lead times from events, per supplier and lane, in event time:
///
/// - **handling** per supplier: from the purchase order (`at`) to the supplier's `shipped`
///   update, lines that were backordered excluded (their wait is a restock's, not handling);
/// - **pickup** per carrier: from the `shipped` update to the parcel's `picked_up` event;
/// - **transit** per carrier and lane (origin and destination countries): from `picked_up` to
///   `delivered`, customs holds included.
///
/// Each starts from the stated figure as a prior worth ``Settings/priorWeight`` observations and
/// follows the events with a half-life of ``Settings/halfLifeDays``, so a supplier whose feed
/// understates its handling is found out after a few orders and a lane that slows (a strike) is
/// seen slowing. What it waits for (open purchase orders, parcels on the way) is forgotten after
/// ``Settings/forgetAfterDays``.
public struct LeadTimeLearner: Sendable {
    public struct Settings: Sendable, Hashable {
        public var priorWeight = 3.0
        public var halfLifeDays = 21.0
        public var forgetAfterDays = 60.0
        /// How fast a lane's recent exceptions and pickups fade (``LaneHealth``).
        public var laneHalfLifeHours = 12.0

        public init() {}
    }

    public var settings: Settings
    public private(set) var handling: [String: DecayingLogDays] = [:]
    public private(set) var pickup: [String: DecayingLogDays] = [:]
    /// `carrier/origin/destination` → transit.
    public private(set) var transit: [String: DecayingLogDays] = [:]
    /// `carrier/origin/destination` → recent pickups and exceptions.
    private var laneSignals: [String: LaneSignals] = [:]
    /// The lanes that exceptions turned degraded, by the exception (``eventKey(_:)``): what the
    /// worker handling that exception in its group re-routes for (``laneFailure(turnedBy:)``).
    private var failures: [String: LaneFailure] = [:]

    private struct OpenOrder: Sendable {
        let supplierID: String
        let origin: String
        let destination: String
        let at: Int64
        /// Lines not shipped, rejected or cancelled yet; and those backordered.
        var remaining: Set<String>
        var backordered: Set<String> = []
    }

    private struct Parcel: Sendable {
        let purchaseOrderID: String
        let lane: CarrierLane
        let carrier: String
        let shippedAt: Int64
        var pickedUpAt: Int64?
    }

    /// Purchase orders placed and not yet shipped, by id.
    private var open: [String: OpenOrder] = [:]
    /// Parcels shipped and not yet delivered, by `order_id/tracking_number`.
    private var parcels: [String: Parcel] = [:]
    /// When what has not finished started, by what learns from it: purchase orders not shipped
    /// (none of their lines backordered) by supplier, parcels not collected by carrier, parcels
    /// on their way by lane; each by purchase order id or parcel key.
    private var awaitingShipment: [String: [String: Int64]] = [:]
    private var awaitingPickup: [String: [String: Int64]] = [:]
    private var onTheWay: [String: [String: Int64]] = [:]
    /// Answers heard before their purchase order, and tracking before its `shipped` update (the
    /// topics are read apart, and a replay reads one before another): kept until what they
    /// follow arrives, or forgotten like the rest.
    private var earlyUpdates: [String: [SupplierOrderUpdate]] = [:]
    private var earlyEvents: [String: [ShipmentEvent]] = [:]
    private var lastSweep: Int64 = 0
    /// What each purchase order's decision predicted for its delivery against what happened:
    /// what the delivery window is calibrated by.
    public private(set) var calibration = WindowCalibration()
    /// Bumped at every change of what a key learns from (`h:`supplier, `p:`carrier, `t:`lane).
    private var versions: [String: Int] = [:]
    /// Answers already worked out (the unfinished make each one an iteration over them), shared
    /// by copies; an answer holds within its hour of event time and its key's version.
    private let cache = SharedAnswers<LearnedKey, LearnedDays>(limit: 20_000)

    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    /// Open purchase orders and parcels followed (for memory checks).
    public var following: (purchaseOrders: Int, parcels: Int) { (open.count, parcels.count) }
    /// Answers and tracking events waiting for what they follow.
    public var early: Int { earlyUpdates.count + earlyEvents.count }

    public static func laneKey(carrier: String, origin: String, destination: String) -> String {
        CarrierLane(carrier: carrier, origin: origin, destination: destination).key
    }

    /// Identifies a tracking event: its parcel, status and time.
    static func eventKey(_ event: ShipmentEvent) -> String {
        [event.orderID, event.trackingNumber ?? "", event.status.rawValue, event.at].joined(separator: "/")
    }

    // MARK: Events

    /// A routing decision: the band each purchase order it placed was predicted to arrive in
    /// (its assignment's window), to be set against the delivery.
    public mutating func observe(_ decision: RoutingDecision) {
        guard let at = DateTimeFormat.epochSeconds(decision.at) else { return }
        // A re-route lists the parts it keeps first: the last assignment of a supplier is this revision's.
        for assignment in decision.assignments.reversed() {
            let id = RoutingMessages.purchaseOrderID(orderID: decision.orderID, supplierID: assignment.supplierID, revision: decision.revision)
            guard !calibration.follows(id), let earliest = DateTimeFormat.epochSeconds(assignment.deliveryWindow.earliest),
                  let latest = DateTimeFormat.epochSeconds(assignment.deliveryWindow.latest) else { continue }
            calibration.predicted(id, orderID: decision.orderID, at: at, lo: max(Double(earliest - at) / 86_400, 0.05), hi: Double(latest - at) / 86_400,
                                  level: assignment.serviceLevel?.rawValue ?? "standard")
        }
        sweep(at: at)
    }

    /// A purchase order placed (or re-sent: the first time counts) at `seconds` to a supplier
    /// shipping from `origin`.
    public mutating func placed(_ po: PurchaseOrder, origin: String, at seconds: Int64) {
        guard po.action != .cancel else {
            calibration.failed(po.purchaseOrderID)
            if let held = open.removeValue(forKey: po.purchaseOrderID) {
                awaitingShipment[held.supplierID]?[po.purchaseOrderID] = nil
                bump("h:" + held.supplierID)
            }
            return
        }
        guard open[po.purchaseOrderID] == nil else { return }
        open[po.purchaseOrderID] = OpenOrder(supplierID: po.supplierID, origin: origin, destination: po.shipTo.country, at: seconds,
                                             remaining: Set(po.lines.map(\.sku)))
        awaitingShipment[po.supplierID, default: [:]][po.purchaseOrderID] = seconds
        bump("h:" + po.supplierID)
        for update in earlyUpdates.removeValue(forKey: po.purchaseOrderID) ?? [] { observe(update) }
        sweep(at: seconds)
    }

    /// A supplier's answer.
    public mutating func observe(_ update: SupplierOrderUpdate) {
        guard let id = update.purchaseOrderID, let at = DateTimeFormat.epochSeconds(update.at) else { return }
        guard var po = open[id] else {
            if update.status != .accepted { earlyUpdates[id, default: []].append(update) }
            return
        }
        let skus = update.skus.map(Set.init) ?? po.remaining
        switch update.status {
        case .backordered:
            po.backordered.formUnion(skus)
        case .shipped:
            if po.backordered.isDisjoint(with: skus) && at >= po.at {
                handling[po.supplierID, default: DecayingLogDays()].add(Double(at - po.at) / 86_400, at: at,
                                                                       halfLifeDays: settings.halfLifeDays)
            }
            if let carrier = update.carrier, let tracking = update.trackingNumber {
                let key = update.orderID + "/" + tracking
                parcels[key] = Parcel(purchaseOrderID: id, lane: CarrierLane(carrier: carrier, origin: po.origin, destination: po.destination), carrier: carrier,
                                      shippedAt: at)
                awaitingPickup[carrier, default: [:]][key] = at
                bump("p:" + carrier)
                for event in earlyEvents.removeValue(forKey: key)?.sorted(by: { $0.at < $1.at }) ?? [] { observe(event) }
            }
            po.remaining.subtract(skus)
        case .rejected, .cancelled:
            po.remaining.subtract(skus)
            if po.remaining.isEmpty { calibration.failed(id) }
        case .accepted:
            break
        }
        open[id] = po.remaining.isEmpty ? nil : po
        // A purchase order still waits for its handling while some line is neither shipped nor backordered.
        if po.remaining.subtracting(po.backordered).isEmpty || update.status == .shipped {
            awaitingShipment[po.supplierID]?[id] = nil
        }
        bump("h:" + po.supplierID)
        sweep(at: at)
    }

    /// A parcel's tracking event.
    public mutating func observe(_ event: ShipmentEvent) {
        guard let tracking = event.trackingNumber, let at = DateTimeFormat.epochSeconds(event.at) else { return }
        let key = event.orderID + "/" + tracking
        guard var parcel = parcels[key] else {
            if [.pickedUp, .delivered, .lost, .returnedToSender, .exception].contains(event.status) {
                earlyEvents[key, default: []].append(event)
            }
            return
        }
        switch event.status {
        case .pickedUp:
            guard parcel.pickedUpAt == nil else { return }
            parcel.pickedUpAt = at
            laneSignals[parcel.lane.key, default: LaneSignals()].collected(at: at, halfLifeHours: settings.laneHalfLifeHours)
            parcels[key] = parcel
            awaitingPickup[parcel.carrier]?[key] = nil
            onTheWay[parcel.lane.key, default: [:]][key] = at
            bump("p:" + parcel.carrier)
            bump("t:" + parcel.lane.key)
            if at >= parcel.shippedAt {
                pickup[parcel.carrier, default: DecayingLogDays()].add(Double(at - parcel.shippedAt) / 86_400, at: at,
                                                                       halfLifeDays: settings.halfLifeDays)
            }
        case .delivered:
            forget(parcel: key, parcel)
            calibration.delivered(parcel.purchaseOrderID, at: at)
            let from = parcel.pickedUpAt ?? parcel.shippedAt
            if at >= from {
                transit[parcel.lane.key, default: DecayingLogDays()].add(Double(at - from) / 86_400, at: at, halfLifeDays: settings.halfLifeDays)
            }
        case .lost, .returnedToSender:
            forget(parcel: key, parcel)
            calibration.dropped(parcel.purchaseOrderID)
        case .exception:
            if laneSignals[parcel.lane.key, default: LaneSignals()].flagged(event.detail, at: at, halfLifeHours: settings.laneHalfLifeHours) {
                failures[Self.eventKey(event)] = LaneFailure(lane: parcel.lane, since: at, health: laneHealth(parcel.lane, at: at))
            }
        default:
            break
        }
    }

    private mutating func forget(parcel key: String, _ parcel: Parcel) {
        parcels[key] = nil
        awaitingPickup[parcel.carrier]?[key] = nil
        onTheWay[parcel.lane.key]?[key] = nil
        bump("p:" + parcel.carrier)
        bump("t:" + parcel.lane.key)
    }

    private mutating func bump(_ key: String) { versions[key, default: 0] += 1 }

    /// Drops what was followed for longer than ``Settings/forgetAfterDays`` (at most once a day).
    private mutating func sweep(at seconds: Int64) {
        guard seconds - lastSweep > 86_400 else { return }
        lastSweep = seconds
        let horizon = seconds - Int64(settings.forgetAfterDays * 86_400)
        for (id, po) in open where po.at < horizon {
            open[id] = nil
            awaitingShipment[po.supplierID]?[id] = nil
            bump("h:" + po.supplierID)
        }
        for (key, parcel) in parcels where parcel.shippedAt < horizon { forget(parcel: key, parcel) }
        calibration.forget(before: horizon)
        failures = failures.filter { $0.value.since >= horizon }
        func recent(_ at: String) -> Bool { (DateTimeFormat.epochSeconds(at) ?? 0) >= horizon }
        earlyUpdates = earlyUpdates.filter { $0.value.contains { recent($0.at) } }
        earlyEvents = earlyEvents.filter { $0.value.contains { recent($0.at) } }
    }

    // MARK: Answers

    public func handling(supplier: String, stated: LogNormalDays, at seconds: Int64) -> LearnedDays {
        learned("h:" + supplier, handling[supplier], awaitingShipment[supplier], prior: stated, at: seconds)
    }

    public func pickup(carrier: String, configured: LogNormalDays, at seconds: Int64) -> LearnedDays {
        learned("p:" + carrier, pickup[carrier], awaitingPickup[carrier], prior: configured, at: seconds)
    }

    /// How the lane is doing lately (``LaneHealth``).
    public func laneHealth(carrier: String, origin: String, destination: String, at seconds: Int64) -> LaneHealth {
        laneHealth(CarrierLane(carrier: carrier, origin: origin, destination: destination), at: seconds)
    }

    public func laneHealth(_ lane: CarrierLane, at seconds: Int64) -> LaneHealth {
        laneSignals[lane.key]?.health(at: seconds, halfLifeHours: settings.laneHalfLifeHours) ?? .healthy
    }

    /// The failure `event` started when it turned its lane from healthy to degraded (compared
    /// at its own time as it was learned), while that spell lasts: nil for any other event, and
    /// once the lane has recovered since (a replay of old tracking re-routes nothing).
    public func laneFailure(turnedBy event: ShipmentEvent) -> LaneFailure? {
        guard let failure = failures[Self.eventKey(event)],
              laneSignals[failure.lane.key]?.degradedSince == failure.since else { return nil }
        return failure
    }

    public func transit(carrier: String, origin: String, destination: String, stated: LogNormalDays, at seconds: Int64) -> LearnedDays {
        let lane = Self.laneKey(carrier: carrier, origin: origin, destination: destination)
        return learned("t:" + lane, transit[lane], onTheWay[lane], prior: stated, at: seconds)
    }

    private func learned(_ key: String, _ stats: DecayingLogDays?, _ started: [String: Int64]?, prior: LogNormalDays,
                         at seconds: Int64) -> LearnedDays {
        guard stats != nil || started?.isEmpty == false else { return LearnedDays(days: prior, prior: prior, observations: 0, dataShare: 0) }
        let cacheKey = LearnedKey(key: key, version: versions[key] ?? 0, hour: seconds / 3_600, prior: prior)
        if let known = cache[cacheKey] { return known }
        let answer = work(stats, started, prior: prior, at: seconds)
        cache[cacheKey] = answer
        return answer
    }

    private func work(_ stats: DecayingLogDays?, _ started: [String: Int64]?, prior: LogNormalDays, at seconds: Int64) -> LearnedDays {
        let unfinished = (started ?? [:]).values.map { Double(seconds - $0) / 86_400 }
        let finished = stats ?? DecayingLogDays()
        guard finished.count > 0 || !unfinished.isEmpty else { return LearnedDays(days: prior, prior: prior, observations: 0, dataShare: 0) }
        let n = finished.weight(at: seconds, halfLifeDays: settings.halfLifeDays) + Double(unfinished.filter { $0 > 0 }.count)
        return LearnedDays(days: finished.posterior(prior: prior, priorWeight: settings.priorWeight, at: seconds,
                                                    halfLifeDays: settings.halfLifeDays, unfinished: unfinished),
                           prior: prior, observations: finished.count, dataShare: n / (n + settings.priorWeight))
    }
}

/// What a ``LeadTimeLearner`` answer is worked out for: key, version, hour and prior.
struct LearnedKey: Hashable, Sendable {
    let key: String
    let version: Int
    let hour: Int64
    let prior: LogNormalDays
}

/// Worked-out answers shared by a value and its copies, behind a lock. Old keys (past hours,
/// past versions) are never asked again, so it starts afresh once it holds `limit`.
final class SharedAnswers<Key: Hashable, Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var answers: [Key: Value] = [:]
    private let limit: Int

    init(limit: Int) {
        self.limit = limit
    }

    subscript(key: Key) -> Value? {
        get { lock.withLock { answers[key] } }
        set {
            lock.withLock {
                if answers.count > limit { answers.removeAll(keepingCapacity: true) }
                answers[key] = newValue
            }
        }
    }
}
