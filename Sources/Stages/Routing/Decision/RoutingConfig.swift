import DropflowContract
import Foundation

/// What the routing decision weighs and assumes where the feeds say nothing. Every figure has a
/// documented default (`Sources/Stages/Routing/Decision/README.md`) and can be set per
/// deployment; ``version`` names the configuration in every explanation.
public struct RoutingConfig: Sendable, Hashable {
    /// Names this configuration in explanations (`routing-config/<version>`).
    public var version = "4"

    // MARK: Money

    /// The value of one unit of each currency in a common unit (any; EUR 1 by default), to convert
    /// offers and rates into the order's currency. A currency not listed cannot be converted: an
    /// offer or rate in it is not used, and the explanation says so.
    public var exchangeRates: [String: Double] = ["EUR": 1, "USD": 0.92, "GBP": 1.17, "CNY": 0.13, "CAD": 0.68, "AUD": 0.61,
                                                  "SEK": 0.088, "PLN": 0.23, "JPY": 0.0062]

    /// `amount` in `from` as `to`; nil when either rate is unknown.
    public func convert(_ amount: Double, from: String, to: String) -> Double? {
        if from == to { return amount }
        guard let a = exchangeRates[from], let b = exchangeRates[to], a > 0, b > 0 else { return nil }
        return amount * a / b
    }

    // MARK: Estimates where the feeds are silent

    /// What a lane with no `carrier.rates` entry is estimated to cost and take, by zone: the same
    /// country (1), the same region (2: the EU and its neighbours, North America, East Asia,
    /// Oceania), further (3). In ``estimateCurrency``; a service level scales it.
    public struct LaneEstimate: Sendable, Hashable {
        public var base: Double
        public var perKg: Double
        public var transitP50: Double
        public var transitP90: Double

        public init(base: Double, perKg: Double, transitP50: Double, transitP90: Double) {
            self.base = base
            self.perKg = perKg
            self.transitP50 = transitP50
            self.transitP90 = transitP90
        }
    }

    public var laneEstimates: [LaneEstimate] = [
        LaneEstimate(base: 5, perKg: 1.2, transitP50: 3, transitP90: 5),
        LaneEstimate(base: 9, perKg: 3, transitP50: 5, transitP90: 9),
        LaneEstimate(base: 14, perKg: 7, transitP50: 11, transitP90: 20),
    ]
    public var estimateCurrency = "EUR"
    /// Price and transit factors of each service level on an estimated lane.
    public var estimatePriceFactor: [ServiceLevel: Double] = [.economy: 0.7, .standard: 1, .express: 2.2]
    public var estimateTransitFactor: [ServiceLevel: Double] = [.economy: 1.6, .standard: 1, .express: 0.45]

    /// Handling when an offer states none, days.
    public var defaultHandlingP50 = 2.0
    public var defaultHandlingP90 = 5.0
    /// The weight of one unit when an offer states none, grams.
    public var defaultUnitWeightGrams = 500

    // MARK: Customs

    /// Duties and fees on an import into one destination country.
    public struct Import: Sendable, Hashable {
        /// Goods worth more than this (in ``currency``) pay ``dutyRate`` of their value.
        public var deMinimis: Double
        /// Share of the goods' value paid as duty above the threshold.
        public var dutyRate: Double
        /// A clearance fee per parcel that crosses the border, whatever its value.
        public var clearanceFee: Double
        public var currency: String

        public init(deMinimis: Double, dutyRate: Double, clearanceFee: Double, currency: String) {
            self.deMinimis = deMinimis
            self.dutyRate = dutyRate
            self.clearanceFee = clearanceFee
            self.currency = currency
        }
    }

    /// By destination country; ``defaultImport`` for the others.
    public var imports: [String: Import] = [
        "US": Import(deMinimis: 800, dutyRate: 0.1, clearanceFee: 5, currency: "USD"),
        "CA": Import(deMinimis: 150, dutyRate: 0.08, clearanceFee: 10, currency: "CAD"),
        "GB": Import(deMinimis: 135, dutyRate: 0.04, clearanceFee: 8, currency: "GBP"),
        "AU": Import(deMinimis: 1_000, dutyRate: 0.05, clearanceFee: 5, currency: "AUD"),
    ]
    /// An import into the EU (any member state) from outside it.
    public var euImport = Import(deMinimis: 150, dutyRate: 0.04, clearanceFee: 6, currency: "EUR")
    public var defaultImport = Import(deMinimis: 100, dutyRate: 0.06, clearanceFee: 8, currency: "EUR")
    /// From the supplier's shipping label to the carrier collecting the parcel, days (median,
    /// p90): a stated handling time ends with the label, a stated transit starts at collection.
    /// 0 for either turns it off.
    public var pickupP50 = 0.65
    public var pickupP90 = 1.1
    /// The pickup wait as a distribution, nil when turned off.
    public var pickup: LogNormalDays? { pickupP50 > 0 && pickupP90 > 0 ? LogNormalDays(p50: pickupP50, p90: pickupP90) : nil }
    /// Chance of a customs hold on a customs lane, and its length (median, p90 days).
    public var customsHoldProbability = 0.15
    public var customsHoldP50 = 2.0
    public var customsHoldP90 = 6.0

    /// The duties and fees of `destination` for goods from `origin`, or nil when the lane crosses
    /// no customs border (the same country, or two EU members).
    public func importRules(from origin: String, to destination: String) -> Import? {
        if origin == destination { return nil }
        let originEU = Regions.eu.contains(origin), destinationEU = Regions.eu.contains(destination)
        if originEU && destinationEU { return nil }
        if destinationEU { return euImport }
        return imports[destination] ?? defaultImport
    }

    /// Duties and the clearance fee on goods worth `value` (in `currency`) shipped from `origin`
    /// to `destination`, in `currency`: 0 on a lane that crosses no customs border.
    public func importCharges(from origin: String, to destination: String, value: Double, currency: String) -> Double {
        guard let rules = importRules(from: origin, to: destination),
              let threshold = convert(rules.deMinimis, from: rules.currency, to: currency),
              let fee = convert(rules.clearanceFee, from: rules.currency, to: currency) else { return 0 }
        return fee + (value > threshold ? rules.dutyRate * value : 0)
    }

    // MARK: The promise and what a late or failed order costs

    /// The delivery promise of each shipping option, days from placement (what the storefront
    /// tells the customer): economy 16, standard 9, express 5.
    public var promiseDays: [ServiceLevel: Double] = [.economy: 16, .standard: 9, .express: 5]
    /// An order is only given a plan that keeps its promise with at least this probability when
    /// one exists; otherwise the likeliest, and the explanation says the promise binds.
    public var minimumOnTimeProbability = 0.6
    /// What a late order costs the merchant: refunds, tickets and a share of the order's value.
    public var lateCostFixed = 15.0
    public var lateCostShare = 0.25
    /// What a purchase order the supplier cannot fill costs (a re-route, a later delivery).
    public var failedFillCost = 12.0
    /// What a delivery outside the window the order was promised costs (a broken promise: a
    /// ticket, a customer who trusts the next window less): plans whose spread the window cannot
    /// hold pay it more often. 0 leaves the window out of the choice. 30 measured best within
    /// the landed-cost bound on the report's default run (README).
    public var windowMissCost = 30.0
    /// The extra cost of each shipment beyond the first (packing, a second tracking, support).
    public var extraShipmentCost = 2.0
    /// The chance a supplier fills a purchase order when it has no track record, and how many
    /// answers the prior weighs like.
    public var priorFillRate = 0.95
    public var priorAnswers = 20.0
    /// Units of every offer routing never plans on (the feed may be a count behind), on top of
    /// what its own purchase orders hold (``Reservations``).
    public var safetyStockUnits = 0
    /// An unanswered purchase order's units are free again after this long, hours of event time.
    public var reservationExpiryHours = 72.0
    public var reservationExpirySeconds: Int64 { Int64(reservationExpiryHours * 3_600) }
    /// A degraded supplier's fill chance and lead time are worsened by these.
    public var degradedFillFactor = 0.85
    public var degradedHandlingFactor = 1.5
    /// A degraded lane's transit (``LaneHealth``: many recent exceptions, as in a strike) is
    /// stretched by this, until the lane recovers.
    public var degradedLaneTransitFactor = 2.0

    /// The share of the model's predicted distribution each shipment's window covers (0.8: 10th
    /// to 90th percentile): the model's own band, which the calibration reads back.
    public var windowConfidence = 0.8
    /// The share of deliveries the order's promised window aims to hold, once calibrated on
    /// recent deliveries (``CalibratedWindow``).
    public var windowCoverage = 0.9
    /// The widest promised window by shipping option, days: a window must say something, so a
    /// wider one is narrowed to the span that holds the most deliveries, and says what it holds.
    public var maxWindowDays: [ServiceLevel: Double] = [.express: 4, .standard: 5, .economy: 6]

    // MARK: Priorities

    /// How much each part of a plan's expected cost counts, by the order's `merchant_priority`.
    public struct Weights: Sendable, Hashable {
        /// Landed cost (goods, shipping, duties, extra shipments).
        public var cost: Double
        /// The expected cost of being late.
        public var lateness: Double
        /// The expected cost of a purchase order the supplier cannot fill.
        public var risk: Double
        /// Each expected day to delivery, in money.
        public var perDay: Double

        public init(cost: Double, lateness: Double, risk: Double, perDay: Double) {
            self.cost = cost
            self.lateness = lateness
            self.risk = risk
            self.perDay = perDay
        }
    }

    public var weights: [MerchantPriority: Weights] = [
        .margin: Weights(cost: 1, lateness: 0.6, risk: 1, perDay: 0),
        .balanced: Weights(cost: 1, lateness: 1, risk: 1, perDay: 0.3),
        .speed: Weights(cost: 0.6, lateness: 2, risk: 1.5, perDay: 1.5),
    ]

    public init() {}
}

/// Country groups for lane zones and customs.
public enum Regions {
    public static let eu: Set<String> = ["AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
                                         "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE"]
    static let europe: Set<String> = eu.union(["GB", "CH", "NO", "IS"])
    static let northAmerica: Set<String> = ["US", "CA", "MX"]
    static let eastAsia: Set<String> = ["CN", "HK", "TW", "JP", "KR", "VN", "TH", "MY", "SG"]
    static let oceania: Set<String> = ["AU", "NZ"]

    /// 1 within a country, 2 within one of the groups above, 3 otherwise.
    public static func zone(_ a: String, _ b: String) -> Int {
        if a == b { return 1 }
        for group in [europe, northAmerica, eastAsia, oceania] where group.contains(a) && group.contains(b) { return 2 }
        return 3
    }
}
