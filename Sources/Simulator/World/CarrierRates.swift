import DropflowCore
import DropflowJSON
import DropflowContract
import Foundation

/// What the carriers publish on `carrier.rates`, lane by lane, and the truth behind it. A pure
/// function of the world and its seed (streams `rates/stated` and `rates/changes`: no draw of
/// any other stream).
///
/// - Every lane of the ``CarrierNetwork`` gets a rate at the start of the run, before the first
///   order, except the lanes ``hasNoRate(_:)`` names (`ptt-intl` to US, CA and AU, and
///   `postnl-packet` to AU): those the pipeline must estimate.
/// - `base` is the lane's base rate and `per_kg` twice its rate per started 500 g; what the
///   carrier really charges is base + rate per started 500 g (at least one), kept in the truth
///   (``tariff(lane:at:)``, ``priceCents(carrier:origin:destination:weightGrams:at:)``).
/// - A few lanes quote in another currency than the run's (``foreignQuotes``), at the fixed
///   exchange rates of ``unitsPerEuro``: a router must convert.
/// - Stated transit (`transit_days`) is the lane's true p50/p90 rounded to half days on most
///   lanes; it is optimistic on every lane of the Chinese carriers (`cainiao-standard`,
///   `yanwen-economy`) and on about 12% of the others. The true figures stay in the truth.
/// - A few lanes change price during the run (``changes``): the new rate is published then.
public struct CarrierRateBook: Sendable {
    /// One lane's published terms.
    public struct LaneRate: Sendable, Hashable {
        /// Index of the lane in ``CarrierNetwork/lanes``.
        public let laneIndex: Int
        /// The `carrier.rates` key.
        public let key: String
        /// Whether the carrier publishes a rate for it (false: the pipeline must estimate).
        public let published: Bool
        /// The currency the carrier quotes in.
        public let quoteCurrency: String
        /// Units of ``quoteCurrency`` per unit of the run's currency (1 when they are the same).
        public let exchangeRate: Double
        /// The transit the rate states (`transit_days`).
        public let statedTransit: LeadTimeDistribution
        /// Whether the stated transit is optimistic on purpose (the truth's `stated_optimistic`).
        public let optimistic: Bool
        /// `max_weight_grams`: the carrier service's limit.
        public let maxWeightGrams: Int

        /// Whether it quotes in another currency than the run's.
        public func quotesForeignCurrency(runCurrency: String) -> Bool { quoteCurrency != runCurrency }
    }

    /// A price change on one lane during the run.
    public struct RateChange: Sendable, Hashable {
        public let laneIndex: Int
        /// When the new rate is in force and published.
        public let at: SimInstant
        /// The new tariff, cents of the run's currency.
        public let baseCents: Int64
        public let perHalfKiloCents: Int64
    }

    /// Fixed exchange rates: units of each currency per euro.
    public static let unitsPerEuro: [String: Double] = ["EUR": 1, "USD": 1.08, "GBP": 0.85]

    /// Lanes that quote in a currency of their own (when it differs from the run's and both are
    /// in ``unitsPerEuro``): Chinese carriers to the US in USD, the US and UK domestic carriers in
    /// their currencies, the Turkish post to Germany in EUR.
    public static let foreignQuotes: [(carrier: String, origin: String, destination: String, currency: String)] = [
        ("cainiao-standard", "CN", "US", "USD"), ("yanwen-economy", "CN", "US", "USD"), ("usps-ground", "US", "US", "USD"),
        ("royalmail-tracked", "GB", "GB", "GBP"), ("ptt-intl", "TR", "DE", "EUR"),
    ]

    /// Carriers whose stated transit is always optimistic.
    public static let optimisticCarriers: Set<String> = ["cainiao-standard", "yanwen-economy"]

    /// Whether `lane` has no published rate: `ptt-intl` to the US, Canada and Australia, and
    /// `postnl-packet` to Australia (from every origin).
    public static func hasNoRate(_ lane: Lane) -> Bool {
        (lane.carrier == "ptt-intl" && ["US", "CA", "AU"].contains(lane.destination))
            || (lane.carrier == "postnl-packet" && lane.destination == "AU")
    }

    /// The run's currency (tariffs are in its cents).
    public let currency: String
    /// The lanes it quotes.
    public let network: CarrierNetwork
    /// The lanes, in network order.
    public var lanes: [Lane] { network.lanes }
    /// One entry per lane, in network order.
    public let rates: [LaneRate]
    /// Price changes during the run, in time order.
    public let changes: [RateChange]

    /// The rate book of `network` for `config` (its seed, currency, start and span).
    static func generate(network: CarrierNetwork, config: SimulationConfig) -> CarrierRateBook {
        var stated = SimRandom(seed: config.seed, stream: "rates/stated")
        var rates: [LaneRate] = []
        for (i, lane) in network.lanes.enumerated() {
            var currency = config.currency
            var exchange = 1.0
            if let foreign = foreignQuotes.first(where: {
                $0.carrier == lane.carrier && $0.origin == lane.origin && $0.destination == lane.destination
            }), foreign.currency != config.currency, let quote = unitsPerEuro[foreign.currency],
               let run = unitsPerEuro[config.currency] {
                currency = foreign.currency
                exchange = quote / run
            }
            var p50 = lane.transit.p50
            var p90 = lane.transit.p90
            var optimistic = false
            if optimisticCarriers.contains(lane.carrier) {
                optimistic = true
                p50 *= stated.uniform(0.65, 0.8)
                p90 *= stated.uniform(0.5, 0.7)
            } else if stated.chance(0.12) {
                optimistic = true
                p50 *= stated.uniform(0.75, 0.9)
                p90 *= stated.uniform(0.6, 0.8)
            }
            let s50 = SimulationEngine.halfDays(p50)
            let transit = LeadTimeDistribution(p50: s50, p90: max(s50, SimulationEngine.halfDays(p90)))
            let service = CarrierService.named(lane.carrier)
            rates.append(LaneRate(laneIndex: i, key: lane.rateKey, published: !hasNoRate(lane), quoteCurrency: currency,
                                  exchangeRate: exchange, statedTransit: transit, optimistic: optimistic,
                                  maxWeightGrams: service?.maxWeightGrams ?? 30_000))
        }

        // A few price changes within the run's expected span (surges make it shorter: the first 60%).
        var changes: [RateChange] = []
        let spanDays = Double(config.orders) / config.ordersPerDay
        if spanDays > 0 {
            var rng = SimRandom(seed: config.seed, stream: "rates/changes")
            let published = rates.filter(\.published).map(\.laneIndex)
            var chosen = published.filter { _ in rng.chance(0.025) }
            if chosen.isEmpty, !published.isEmpty { chosen = [rng.element(of: published)] }
            for i in chosen {
                let lane = network.lanes[i]
                let at = config.start + .days(spanDays * rng.uniform(0.1, 0.6))
                let factor = rng.uniform(0.92, 1.18)
                changes.append(RateChange(laneIndex: i, at: at, baseCents: max(1, Pricing.scale(lane.baseRateCents, by: factor)),
                                          perHalfKiloCents: max(1, Pricing.scale(lane.perHalfKiloCents, by: factor))))
            }
            changes.sort { $0.at != $1.at ? $0.at < $1.at : $0.laneIndex < $1.laneIndex }
        }
        return CarrierRateBook(currency: config.currency, network: network, rates: rates, changes: changes)
    }

    /// The published lanes' rates.
    public var publishedRates: [LaneRate] { rates.filter(\.published) }

    /// The keys of the lanes without a rate.
    public var lanesWithoutRate: [String] { rates.filter { !$0.published }.map(\.key) }

    /// The lanes quoting in another currency than the run's.
    public var foreignCurrencyRates: [LaneRate] { rates.filter { $0.published && $0.quoteCurrency != currency } }

    /// The tariff of lane `i` in force at `t` (base and per started 500 g, cents of the run's currency).
    public func tariff(lane i: Int, at t: SimInstant) -> (baseCents: Int64, perHalfKiloCents: Int64) {
        var tariff = (lanes[i].baseRateCents, lanes[i].perHalfKiloCents)
        for change in changes where change.laneIndex == i && change.at <= t {
            tariff = (change.baseCents, change.perHalfKiloCents)
        }
        return tariff
    }

    /// What the carrier charges at `t` for a parcel of `weightGrams` on its lane from `origin`
    /// to `destination`, cents of the run's currency; nil when it does not serve the lane.
    public func priceCents(carrier: String, origin: String, destination: String, weightGrams: Int, at t: SimInstant) -> Int64? {
        guard let i = network.laneIndex(carrier: carrier, origin: origin, destination: destination) else { return nil }
        return priceCents(lane: i, weightGrams: weightGrams, at: t)
    }

    /// What lane `i` charges at `t` for a parcel of `weightGrams`, cents of the run's currency.
    public func priceCents(lane i: Int, weightGrams: Int, at t: SimInstant) -> Int64 {
        let (base, perHalfKilo) = tariff(lane: i, at: t)
        return base + perHalfKilo * Int64(max(1, (weightGrams + 499) / 500))
    }

    // MARK: - Records and truth

    /// The `carrier.rates` records published at `start` (every lane that has a rate).
    func initialRecords(at start: SimInstant) -> [SimRecord] {
        rates.filter(\.published).map { record(lane: $0.laneIndex, at: start, cause: "initial") }
    }

    /// The record of a price change.
    func changeRecord(_ change: RateChange) -> SimRecord {
        record(lane: change.laneIndex, at: change.at, cause: "price_change")
    }

    /// The `carrier.rates` record of lane `i` as in force at `t`.
    func record(lane i: Int, at t: SimInstant, cause: String) -> SimRecord {
        let lane = lanes[i]
        let rate = rates[i]
        let (base, perHalfKilo) = tariff(lane: i, at: t)
        let value: JSONValue = [
            "carrier": .string(lane.carrier), "service_level": .string(lane.level.rawValue),
            "origin_country": .string(lane.origin), "destination_country": .string(lane.destination),
            "currency": .string(rate.quoteCurrency),
            "base": .string(MoneyAmount(cents: quoted(base, rate)).description),
            "per_kg": .string(MoneyAmount(cents: quoted(2 * perHalfKilo, rate)).description),
            "max_weight_grams": .integer(Int64(rate.maxWeightGrams)),
            "transit_days": ["p50": .double(rate.statedTransit.p50), "p90": .double(rate.statedTransit.p90)],
            "customs": .bool(lane.crossesCustoms),
            "updated_at": .string(t.rfc3339),
        ]
        var truth = laneTruth(i).objectValue!
        truth["cause"] = .string(cause)
        truth["tariff"] = Self.tariffJSON(base, perHalfKilo, currency)
        if cause == "price_change" {
            let before = tariff(lane: i, at: t - .seconds(1))
            truth["previous_tariff"] = Self.tariffJSON(before.baseCents, before.perHalfKiloCents, currency)
        }
        return SimRecord(topic: SimRecord.Topic.carrierRates, key: rate.key, value: value, truth: .object(truth), at: t)
    }

    /// Cents of the run's currency in the lane's quote currency, rounded to the cent.
    func quoted(_ cents: Int64, _ rate: LaneRate) -> Int64 {
        rate.exchangeRate == 1 ? cents : Int64((Double(cents) * rate.exchangeRate).rounded())
    }

    static func tariffJSON(_ base: Int64, _ perHalfKilo: Int64, _ currency: String) -> JSONValue {
        ["base": .string(MoneyAmount(cents: base).description),
         "per_started_500g": .string(MoneyAmount(cents: perHalfKilo).description), "currency": .string(currency)]
    }

    /// What is true of lane `i`: true transit and customs, the stated figures, the currency.
    func laneTruth(_ i: Int) -> JSONValue {
        let lane = lanes[i]
        let rate = rates[i]
        return [
            "lane": .string(rate.key), "zone": .integer(Int64(lane.zone)),
            "transit_days_true": ["p50": .double(lane.transit.p50), "p90": .double(lane.transit.p90)],
            "transit_days_stated": ["p50": .double(rate.statedTransit.p50), "p90": .double(rate.statedTransit.p90)],
            "stated_optimistic": .bool(rate.optimistic),
            "customs": .bool(lane.crossesCustoms),
            "customs_hold_probability": .double(lane.customsHoldProbability),
            "customs_hold_days": ["p50": .double(lane.customsHoldDays.p50), "p90": .double(lane.customsHoldDays.p90)],
            "run_currency": .string(currency), "quote_currency": .string(rate.quoteCurrency),
            "foreign_currency": .bool(rate.quoteCurrency != currency), "exchange_rate": .double(rate.exchangeRate),
            "rate_published": .bool(rate.published),
        ]
    }

    /// The truth file's lines: one `carrier_rates` summary, then one `lane` line per lane.
    var truthLines: [JSONValue] {
        var lines: [JSONValue] = [[
            "kind": "carrier_rates", "run_currency": .string(currency),
            "units_per_euro": .object(Self.unitsPerEuro.mapValues(JSONValue.double)),
            "lanes": .integer(Int64(lanes.count)), "lanes_with_rate": .integer(Int64(publishedRates.count)),
            "lanes_without_rate": .array(lanesWithoutRate.map(JSONValue.string)),
            "foreign_currency_lanes": .array(foreignCurrencyRates.map {
                ["lane": .string($0.key), "currency": .string($0.quoteCurrency), "exchange_rate": .double($0.exchangeRate)]
            }),
            "optimistic_lanes": .integer(Int64(rates.filter { $0.published && $0.optimistic }.count)),
            "price_changes": .integer(Int64(changes.count)),
        ]]
        for (i, lane) in lanes.enumerated() {
            var o = laneTruth(i).objectValue!
            o["kind"] = "lane"
            o["carrier"] = .string(lane.carrier)
            o["service_level"] = .string(lane.level.rawValue)
            o["origin_country"] = .string(lane.origin)
            o["destination_country"] = .string(lane.destination)
            o["max_weight_grams"] = .integer(Int64(rates[i].maxWeightGrams))
            o["tariff"] = Self.tariffJSON(lane.baseRateCents, lane.perHalfKiloCents, currency)
            o["price_changes"] = .array(changes.filter { $0.laneIndex == i }.map {
                ["at": .string($0.at.rfc3339), "tariff": Self.tariffJSON($0.baseCents, $0.perHalfKiloCents, currency)]
            })
            lines.append(.object(o))
        }
        return lines
    }
}
