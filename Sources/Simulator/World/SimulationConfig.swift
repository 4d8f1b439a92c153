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
    /// SKUs in the catalogue.
    public var skuCount: Int
    /// Suppliers (at least 3, one of each profile).
    public var supplierCount: Int
    /// Accounts that exist before the run (returning buyers, account-takeover victims).
    public var existingCustomers: Int
    /// Share of legitimate orders placed by returning buyers.
    public var returningBuyerShare: Double
    /// Share of legitimate orders that look unusual (gifts abroad, large first orders, ...).
    public var unusualLegitRate: Double
    /// Background fraud (the fraud ring scenario adds to it).
    public var fraud: FraudConfig
    /// Whether to publish `supplier.offers` and `supplier.status`.
    public var supplierFeeds: Bool
    /// What happens besides the everyday.
    public var scenarios: [Scenario]

    /// 2026-11-24T00:00:00Z, the default start.
    public static let defaultStart = SimInstant(seconds: 1_795_478_400)

    public init(seed: UInt64 = 1, orders: Int = 1_000, start: SimInstant = SimulationConfig.defaultStart,
                ordersPerDay: Double = 5_000, dailyRhythm: DailyRhythm = .ecommerce, currency: String = "EUR",
                skuCount: Int = 300, supplierCount: Int = 16, existingCustomers: Int = 3_000,
                returningBuyerShare: Double = 0.35, unusualLegitRate: Double = 0.03, fraud: FraudConfig = FraudConfig(),
                supplierFeeds: Bool = true, scenarios: [Scenario] = [.normalDay]) {
        precondition(orders >= 0 && ordersPerDay > 0 && skuCount >= ProductCategory.all.count && supplierCount >= 3
                     && existingCustomers >= 1 && (0...1).contains(returningBuyerShare) && (0...1).contains(unusualLegitRate),
                     "invalid simulation configuration")
        self.seed = seed
        self.orders = orders
        self.start = start
        self.ordersPerDay = ordersPerDay
        self.dailyRhythm = dailyRhythm
        self.currency = currency
        self.skuCount = skuCount
        self.supplierCount = supplierCount
        self.existingCustomers = existingCustomers
        self.returningBuyerShare = returningBuyerShare
        self.unusualLegitRate = unusualLegitRate
        self.fraud = fraud
        self.supplierFeeds = supplierFeeds
        self.scenarios = scenarios
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

    /// Share of fraudulent orders per background pattern, in ``FraudPattern/background`` order.
    var orderShares: [Double] {
        let weights = [cardTesting, stolenCard, accountTakeover, friendlyFraud]
        let total = weights.reduce(0, +)
        return total > 0 ? weights.map { $0 / total } : [0, 0, 0, 0]
    }
}
