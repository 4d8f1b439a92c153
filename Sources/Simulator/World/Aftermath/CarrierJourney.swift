import DropflowCore
import DropflowJSON
import DropflowContract

/// How one parcel's trip ended.
public enum ParcelOutcome: String, Sendable, Hashable, CaseIterable {
    /// Delivered at the first attempt.
    case delivered
    /// Delivered after a failed attempt.
    case deliveredAfterRetry = "delivered_after_retry"
    /// Delivery failed and the parcel went back to the sender.
    case returnedToSender = "returned_to_sender"
    /// An exception, then the carrier declared it lost.
    case lost
}

/// One parcel's tracking events and the truth behind them.
public struct ParcelJourney: Sendable, Hashable {
    /// The `shipments.events` records, in time order.
    public let records: [SimRecord]
    public let outcome: ParcelOutcome
    public let shippedAt: SimInstant
    public let pickedUpAt: SimInstant
    /// When it was delivered (nil when lost or returned to the sender).
    public let deliveredAt: SimInstant?
    /// When the journey ended (delivery, return to sender, lost).
    public let endedAt: SimInstant
    /// Transit days drawn for the lane (strike included, customs hold excluded).
    public let transitDays: Double
    /// Extra days held in customs (0 without a hold).
    public let customsHoldDays: Double
    /// When the customs hold started, if there was one.
    public let customsHoldAt: SimInstant?
    /// Multiplier of the strike(s) on the lane at pick-up (1 without a strike).
    public let strikeMultiplier: Double
    /// Whether the goods arrived damaged (the customer finds out on delivery).
    public let damaged: Bool
    /// Whether the carrier serves the lane (false: a generic zone distribution was used).
    public let laneKnown: Bool
}

/// Parcel journeys: the carrier's `shipments.events` for one shipped purchase order.
///
/// label_created when the supplier ships, picked_up hours later, in_transit scans, a
/// customs_hold on cross-border lanes (with the lane's probability), out_for_delivery, then
/// delivered. A small share of parcels have a failed delivery (re-attempted the next day, or
/// returned to the sender), a smaller share an exception that ends with the parcel lost.
extension World {
    /// Probability of a failed first delivery attempt.
    public static let deliveryFailedProbability = 0.04
    /// Probability that a failed delivery ends with the parcel returned to the sender.
    public static let returnToSenderAfterFailure = 0.25
    /// Probability of a carrier exception; ``exceptionLostShare`` of them end lost.
    public static let exceptionProbability = 0.012
    /// The exception a struck lane's carrier scans each parcel with, soon after pick-up.
    public static let strikeDetail = "delayed: industrial action on the lane"
    public static let exceptionLostShare = 0.6
    /// Probability that goods arrive damaged (economy lanes double it).
    public static let damageProbability = 0.025

    /// The `shipments.events` records of a parcel handed to `carrier` at `shippedAt` (key
    /// `order_id`). A pure function of the arguments and the run's seed (stream from `seedKey`).
    public func parcelJourney(orderID: String, supplierID: String, carrier: String, trackingNumber: String, origin: String,
                              destination: String, shippedAt: SimInstant, seedKey: String) -> [SimRecord] {
        journey(orderID: orderID, supplierID: supplierID, carrier: carrier, trackingNumber: trackingNumber, origin: origin,
                destination: destination, shippedAt: shippedAt, seedKey: seedKey).records
    }

    /// The whole journey: records and the summary customers react to.
    public func journey(orderID: String, supplierID: String, carrier: String, trackingNumber: String, origin: String,
                        destination: String, shippedAt: SimInstant, seedKey: String) -> ParcelJourney {
        var rng = SimRandom(seed: config.seed, stream: "journey/" + seedKey)
        let pickup = shippedAt + .hours(rng.uniform(2, 30))
        let lane = network.lane(carrier: carrier, origin: origin, destination: destination)
        var transit: Double
        var hold: Double
        if let drawn = sampleTransit(carrier: carrier, origin: origin, destination: destination, pickup: pickup, &rng) {
            (transit, hold) = drawn
        } else {
            // A lane the carrier does not serve (a purchase order naming an odd carrier): a
            // standard-level distribution for the zone, no customs data.
            let median = ShippingLevel.standard.transitMedianByZone[Zone.between(origin, destination) - 1]
            transit = LeadTimeDistribution(p50: median, p90: median * 1.8).sample(&rng)
            hold = 0
        }
        var strike = 1.0
        for s in config.strikes where s.affects(carrier: carrier, origin: origin, destination: destination, at: pickup) {
            strike *= s.transitMultiplier
        }
        let level = lane?.level ?? CarrierService.all.first { $0.id == carrier }?.level ?? .standard
        let damaged = rng.chance(Self.damageProbability * (level == .economy ? 2 : 1))
        let exception = rng.chance(Self.exceptionProbability)
        let lostAfterException = exception && rng.chance(Self.exceptionLostShare)
        let failed = !lostAfterException && rng.chance(Self.deliveryFailedProbability)
        let returned = failed && rng.chance(Self.returnToSenderAfterFailure)

        let originCity = Self.hubName(origin, &rng)
        let destinationCity = Self.hubName(destination, &rng)
        var events: [(status: String, at: SimInstant, country: String, location: String?, detail: String?)] = []
        events.append(("label_created", shippedAt, origin, nil, "shipping label created"))
        events.append(("picked_up", pickup, origin, originCity, nil))
        if strike > 1 {
            // The carrier warns of the strike at its first scan (no draw: every other draw stays as it was).
            events.append(("exception", pickup + .hours(4), origin, originCity, Self.strikeDetail))
        }

        let arrival = pickup + .days(transit + hold)
        // In-transit scans spread over the transit time; a hold pushes later scans back.
        let holdAt = hold > 0 ? pickup + .days(transit * rng.uniform(0.35, 0.65)) : nil
        let scans = max(1, min(6, Int(transit / 1.5)))
        for k in 0..<scans {
            let fraction = (Double(k) + rng.uniform(0.2, 0.8)) / Double(scans + 1)
            var at = pickup + .days(transit * fraction)
            let inDestination = fraction > 0.55
            if let holdAt, at >= holdAt { at = at + .days(hold) }
            events.append(("in_transit", at, inDestination ? destination : origin,
                           inDestination ? destinationCity : originCity,
                           k == 0 ? "departed origin facility" : (inDestination ? "arrived at destination hub" : "in transit")))
        }
        if let holdAt {
            events.append(("customs_hold", holdAt, destination, destinationCity, "held by customs for inspection"))
            events.append(("in_transit", holdAt + .days(hold), destination, destinationCity, "released by customs"))
        }

        let outcome: ParcelOutcome
        var deliveredAt: SimInstant?
        var endedAt: SimInstant
        if lostAfterException {
            let at = pickup + .days(transit * rng.uniform(0.3, 0.8))
            events.removeAll { $0.at > at && $0.status != "label_created" && $0.status != "picked_up" }
            events.append(("exception", at, destination, nil, "parcel cannot be located"))
            endedAt = at + .days(rng.uniform(7, 14))
            events.append(("lost", endedAt, destination, nil, "declared lost by carrier"))
            outcome = .lost
        } else {
            var end = arrival
            if exception {
                // Recovered after an exception: a scan saying so, and a delay.
                let at = pickup + .days(transit * rng.uniform(0.3, 0.8))
                events.append(("exception", at, destination, nil, "delayed: address label damaged"))
                end = end + .days(rng.uniform(1, 3))
            }
            events.append(("out_for_delivery", end - .hours(rng.uniform(2, 8)), destination, destinationCity, nil))
            if failed {
                events.append(("delivery_failed", end, destination, destinationCity, "recipient not available"))
                if returned {
                    endedAt = end + .days(rng.uniform(7, 14))
                    events.append(("returned_to_sender", endedAt, origin, originCity, "not collected, returned to sender"))
                    outcome = .returnedToSender
                } else {
                    let next = end + .hours(rng.uniform(20, 28))
                    events.append(("out_for_delivery", next - .hours(rng.uniform(2, 8)), destination, destinationCity, "second attempt"))
                    events.append(("delivered", next, destination, destinationCity, nil))
                    deliveredAt = next
                    endedAt = next
                    outcome = .deliveredAfterRetry
                }
            } else {
                events.append(("delivered", end, destination, destinationCity, nil))
                deliveredAt = end
                endedAt = end
                outcome = .delivered
            }
        }

        var truth: [String: JSONValue] = [
            "kind": "shipment", "tracking_number": .string(trackingNumber), "outcome": .string(outcome.rawValue),
            "true_transit_days": .double(transit), "customs_hold_days": .double(hold),
            "strike_applied": .bool(strike > 1), "strike_multiplier": .double(strike), "damaged": .bool(damaged),
            "lane_known": .bool(lane != nil), "picked_up_at": .string(pickup.rfc3339),
        ]
        if let lane {
            truth["lane_p50_days"] = .double(lane.transit.p50)
            truth["lane_p90_days"] = .double(lane.transit.p90)
        }
        if let deliveredAt { truth["delivered_at"] = .string(deliveredAt.rfc3339) }
        let truthValue = JSONValue.object(truth)
        let ordered = events.enumerated().sorted { $0.element.at != $1.element.at ? $0.element.at < $1.element.at : $0.offset < $1.offset }
        let records = ordered.map { _, e -> SimRecord in
            var v: [String: JSONValue] = [
                "order_id": .string(orderID), "shipment_id": .string("shp-" + trackingNumber), "supplier_id": .string(supplierID),
                "carrier": .string(carrier), "tracking_number": .string(trackingNumber), "status": .string(e.status),
                "country": .string(e.country), "at": .string(e.at.rfc3339),
            ]
            if let location = e.location { v["location"] = .string(location) }
            if let detail = e.detail { v["detail"] = .string(detail) }
            return SimRecord(topic: SimRecord.Topic.shipmentsEvents, key: orderID, value: .object(v), truth: truthValue, at: e.at)
        }
        return ParcelJourney(records: records, outcome: outcome, shippedAt: shippedAt, pickedUpAt: pickup, deliveredAt: deliveredAt,
                             endedAt: endedAt, transitDays: transit, customsHoldDays: hold, customsHoldAt: holdAt,
                             strikeMultiplier: strike, damaged: damaged, laneKnown: lane != nil)
    }

    /// A sorting centre's name in `country`: one of its cities, or `<code> hub`.
    static func hubName(_ country: String, _ rng: inout SimRandom) -> String {
        guard let cities = Geography.country(country)?.cities, !cities.isEmpty else { return country + " hub" }
        return rng.element(of: cities).name + " hub"
    }
}
