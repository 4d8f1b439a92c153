/// Everything a run depends on. Same configuration (seed included), same output, byte for byte.
public struct SimulationConfig: Sendable, Hashable {
    /// Seeds every random stream.
    public var seed: UInt64
    /// The run ends with its `orders`-th order (fraud and ring orders included).
    public var orders: Int
    /// The simulated instant the run begins (never the wall clock).
    public var start: SimInstant
    /// Average orders per day at base rate (before surges), over the daily rhythm.
    public var ordersPerDay: Double
    /// How the order rate varies over the day.
    public var dailyRhythm: DailyRhythm
    /// ISO 4217 currency of prices and costs.
    public var currency: String
    /// The market: price level, catalogue mix, customers' countries. The default changes
    /// nothing (today's catalogue and countries).
    public var market: MarketProfile
    /// SKUs in the catalogue.
    public var skuCount: Int
    /// Suppliers (at least 3, one of each profile).
    public var supplierCount: Int
    /// Accounts that exist before the run (returning buyers, account-takeover victims).
    public var existingCustomers: Int
    /// Share of legitimate orders placed by returning buyers.
    public var returningBuyerShare: Double
    /// Shares of legitimate orders that depart from the routine (gifts abroad, loyal customers
    /// buying electronics, new addresses, ...), by kind; 14% in all by default.
    public var unusualLegit: UnusualLegitMix
    /// Background fraud (the fraud ring scenario adds to it).
    public var fraud: FraudConfig
    /// Whether to publish `supplier.offers` and `supplier.status`.
    public var supplierFeeds: Bool
    /// Whether to publish `carrier.rates` (at the start, and the price changes during the run).
    public var carrierRates: Bool
    /// What happens besides the everyday.
    public var scenarios: [Scenario]

    /// 2026-11-24T00:00:00Z, the default start.
    public static let defaultStart = SimInstant(seconds: 1_795_478_400)

    public init(seed: UInt64 = 1, orders: Int = 1_000, start: SimInstant = SimulationConfig.defaultStart,
                ordersPerDay: Double = 5_000, dailyRhythm: DailyRhythm = .ecommerce, currency: String = "EUR",
                market: MarketProfile = MarketProfile(), skuCount: Int = 300, supplierCount: Int = 16,
                existingCustomers: Int = 3_000, returningBuyerShare: Double = 0.35, unusualLegitRate: Double? = nil,
                unusualLegit: UnusualLegitMix = UnusualLegitMix(), fraud: FraudConfig = FraudConfig(),
                supplierFeeds: Bool = true, carrierRates: Bool = true, scenarios: [Scenario] = [.normalDay]) {
        precondition(orders >= 0 && ordersPerDay > 0 && skuCount >= ProductCategory.all.count && supplierCount >= 3
                     && existingCustomers >= 1 && (0...1).contains(returningBuyerShare)
                     && unusualLegitRate.map { (0...1).contains($0) } ?? true,
                     "invalid simulation configuration")
        if let problem = market.problem { preconditionFailure("invalid market: \(problem)") }
        if let problem = unusualLegit.problem { preconditionFailure("invalid unusual legitimate mix: \(problem)") }
        self.seed = seed
        self.orders = orders
        self.start = start
        self.ordersPerDay = ordersPerDay
        self.dailyRhythm = dailyRhythm
        self.currency = currency
        self.market = market
        self.skuCount = skuCount
        self.supplierCount = supplierCount
        self.existingCustomers = existingCustomers
        self.returningBuyerShare = returningBuyerShare
        self.unusualLegit = unusualLegitRate.map { unusualLegit.scaled(toTotal: $0) } ?? unusualLegit
        self.fraud = fraud
        self.supplierFeeds = supplierFeeds
        self.carrierRates = carrierRates
        self.scenarios = scenarios
    }

    /// A storefront unlike the default, for testing a model trained on the default world
    /// against a shifted one: prices ×1.6 in USD, electronics 40% of the catalogue, customers
    /// mostly in the US, GB and CA (``MarketProfile/shiftedStorefront``); 5,000 existing
    /// accounts, 45% of ordinary orders by returning buyers, 21% unusual legitimate orders with
    /// 8% loyal electronics buyers (``UnusualLegitMix/shiftedStorefront``); 1.5% fraud, more
    /// stolen cards and card testing, fewer account takeovers (``FraudConfig/shiftedStorefront``).
    /// The same fraud patterns as the default; no scenario besides the normal day (set
    /// `scenarios` for more). Everything else (start, rate, rhythm, suppliers) is the default's.
    public static func shiftedStorefront(seed: UInt64 = 1, orders: Int = 1_000) -> SimulationConfig {
        SimulationConfig(seed: seed, orders: orders, currency: "USD", market: .shiftedStorefront, existingCustomers: 5_000,
                         returningBuyerShare: 0.45, unusualLegit: .shiftedStorefront, fraud: .shiftedStorefront)
    }

    /// ``shiftedStorefront(seed:orders:)``.
    public static func shifted(seed: UInt64 = 1, orders: Int = 1_000) -> SimulationConfig {
        shiftedStorefront(seed: seed, orders: orders)
    }

    /// The share of legitimate orders that are unusual, all kinds together; setting it scales
    /// every kind's share in proportion.
    public var unusualLegitRate: Double {
        get { unusualLegit.total }
        set {
            precondition((0...1).contains(newValue), "invalid unusual legitimate rate")
            unusualLegit = unusualLegit.scaled(toTotal: newValue)
        }
    }

    /// The promotion surges among the scenarios.
    public var surges: [PromotionSurge] {
        scenarios.compactMap { if case .promotionSurge(let s) = $0 { return s } else { return nil } }
    }

    /// The carrier strikes among the scenarios.
    public var strikes: [CarrierStrike] {
        scenarios.compactMap { if case .carrierStrike(let s) = $0 { return s } else { return nil } }
    }

    /// The supplier outages among the scenarios.
    public var outages: [SupplierOutage] {
        scenarios.compactMap { if case .supplierOutage(let s) = $0 { return s } else { return nil } }
    }

    /// The fraud rings among the scenarios.
    public var rings: [FraudRing] {
        scenarios.compactMap { if case .fraudRing(let s) = $0 { return s } else { return nil } }
    }
}

/// Background fraud: the share of orders that are fraudulent and how they split by pattern.
public struct FraudConfig: Sendable, Hashable {
    /// Expected share of all orders (outside fraud rings) that are fraudulent, 0–1.
    public var rate: Double
    /// Relative weights of the patterns (need not sum to 1).
    public var cardTesting: Double
    public var stolenCard: Double
    public var accountTakeover: Double
    public var friendlyFraud: Double
    /// Orders in one card-testing burst.
    public var cardTestingBurst: ClosedRange<Int>

    public init(rate: Double = 0.03, cardTesting: Double = 0.2, stolenCard: Double = 0.35, accountTakeover: Double = 0.15,
                friendlyFraud: Double = 0.3, cardTestingBurst: ClosedRange<Int> = 4...12) {
        precondition((0..<1).contains(rate) && cardTesting >= 0 && stolenCard >= 0 && accountTakeover >= 0
                     && friendlyFraud >= 0 && cardTestingBurst.lowerBound >= 1, "invalid fraud configuration")
        self.rate = rate
        self.cardTesting = cardTesting
        self.stolenCard = stolenCard
        self.accountTakeover = accountTakeover
        self.friendlyFraud = friendlyFraud
        self.cardTestingBurst = cardTestingBurst
    }

    /// The fraud of the shifted storefront (``SimulationConfig/shiftedStorefront(seed:orders:)``): 1.5% of
    /// orders; card testing 0.3, stolen cards 0.45, account takeover 0.05, friendly fraud 0.2.
    public static let shiftedStorefront = FraudConfig(rate: 0.015, cardTesting: 0.3, stolenCard: 0.45, accountTakeover: 0.05,
                                                      friendlyFraud: 0.2)

    /// Share of fraudulent orders per background pattern, in ``FraudPattern/background`` order.
    var orderShares: [Double] {
        let weights = [cardTesting, stolenCard, accountTakeover, friendlyFraud]
        let total = weights.reduce(0, +)
        return total > 0 ? weights.map { $0 / total } : [0, 0, 0, 0]
    }
}
