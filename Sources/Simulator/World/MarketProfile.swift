import DropflowJSON

/// The market a storefront sells in: its price level, the mix of its catalogue and where its
/// customers live. The default (`MarketProfile()`) changes nothing: the catalogue and the
/// customers' countries are exactly those of ``ProductCategory/all`` and ``Geography`` (same
/// seed, same SKUs, prices and customers as before the profile existed).
///
/// ```swift
/// var config = SimulationConfig(seed: 7, currency: "USD")
/// config.market = MarketProfile(priceLevel: 1.6, categoryShares: ["electronics": 0.4],
///                               customerCountryWeights: ["US": 60, "GB": 20, "CA": 20])
/// ```
///
/// The currency is ``SimulationConfig/currency``; the fraud a market sees is
/// ``SimulationConfig/fraud``. ``MarketProfile/shiftedStorefront`` is the market of
/// ``SimulationConfig/shiftedStorefront(seed:orders:)``.
public struct MarketProfile: Sendable, Hashable {
    /// Multiplies every shelf price: each category's log-normal median and its price range
    /// (so suppliers' costs, a share of the shelf price, follow). Gift cards keep their face
    /// values (25, 50, 100, 200); shipping fees, the free-shipping threshold (49.00) and the
    /// "cheap" line card testers buy under (20.00) do not change. 1 = the default prices.
    public var priceLevel: Double
    /// Share of the catalogue's SKUs per category name (`electronics`, `gift_cards`, `home`,
    /// `kitchen`, `apparel`, `beauty`, `toys`, `sports`, `pets`), replacing the category's own
    /// share; the categories not named share the rest in proportion to their own shares.
    /// Every category keeps at least one SKU. See ``categoryDemandFollowsShares`` for demand.
    public var categoryShares: [String: Double]
    /// Whether each category's share of demand (its SKUs' popularity together) is its share
    /// of the catalogue, popularity staying Zipf within the category. Off by default: then
    /// popularity (Zipf over a random rank) ignores the category, and wherever the few most
    /// popular SKUs fall takes their categories' share of ordered lines up or down by as much
    /// as 10 points from one seed to another (electronics: 13–30% of lines at a 16% share).
    public var categoryDemandFollowsShares: Bool
    /// Relative weight of customers per ISO country code, replacing ``Geography``'s weight of
    /// the countries named (0 removes a country); the countries not named keep their weight.
    /// Only the countries where customers live by default can be named: US, CA, GB, DE, FR,
    /// ES, IT, NL, SE, PL, AU (carrier lanes exist for them). Weights need not sum to 1.
    /// Card-testing and stolen-card victims, account-takeover drop addresses, gifts abroad and
    /// travellers' IPs follow the same weights.
    public var customerCountryWeights: [String: Double]

    public init(priceLevel: Double = 1, categoryShares: [String: Double] = [:], categoryDemandFollowsShares: Bool = false,
                customerCountryWeights: [String: Double] = [:]) {
        self.priceLevel = priceLevel
        self.categoryShares = categoryShares
        self.categoryDemandFollowsShares = categoryDemandFollowsShares
        self.customerCountryWeights = customerCountryWeights
    }

    /// An electronics-heavy, North-American and British storefront with higher prices:
    /// prices ×1.6, electronics 40% of the catalogue and of demand (apparel 8%), customers
    /// mostly in the US (55), GB (18) and CA (15), a few in AU (5) and the EU (7 together).
    public static let shiftedStorefront = MarketProfile(
        priceLevel: 1.6, categoryShares: ["electronics": 0.4, "apparel": 0.08], categoryDemandFollowsShares: true,
        customerCountryWeights: ["US": 55, "GB": 18, "CA": 15, "AU": 5, "DE": 2, "FR": 1, "ES": 1, "IT": 1, "NL": 1,
                                 "SE": 0.5, "PL": 0.5])

    /// Why the profile cannot be used, or nil.
    public var problem: String? {
        if !(priceLevel > 0 && priceLevel.isFinite) { return "price level must be positive" }
        let known = Set(ProductCategory.all.map(\.name))
        for (name, share) in categoryShares.sorted(by: { $0.key < $1.key }) {
            if !known.contains(name) { return "unknown category \(name); known: \(known.sorted().joined(separator: ", "))" }
            if !(0...1).contains(share) { return "share of \(name) must be in [0, 1]" }
        }
        if categoryShares.values.reduce(0, +) > 1 + 1e-9 { return "category shares add up to more than 1" }
        let countries = Set(Geography.customerCountries.map { Geography.countries[$0].code })
        for (code, weight) in customerCountryWeights.sorted(by: { $0.key < $1.key }) {
            if !countries.contains(code) { return "\(code) is not a customer country; known: \(countries.sorted().joined(separator: ", "))" }
            if !(weight >= 0 && weight.isFinite) { return "weight of \(code) must be 0 or more" }
        }
        if !Geography.customerCountries.contains(where: { countryWeight(Geography.countries[$0]) > 0 }) {
            return "no customer country has a positive weight"
        }
        return nil
    }

    /// Catalogue share of every category, in ``ProductCategory/all`` order: the categories' own
    /// shares when nothing is overridden.
    var resolvedCategoryShares: [Double] {
        let categories = ProductCategory.all
        guard !categoryShares.isEmpty else { return categories.map(\.share) }
        let named = categoryShares.values.reduce(0, +)
        let unnamedOwn = categories.filter { categoryShares[$0.name] == nil }.map(\.share).reduce(0, +)
        let rest = max(0, 1 - named)
        return categories.map { categoryShares[$0.name] ?? (unnamedOwn > 0 ? $0.share * rest / unnamedOwn : 0) }
    }

    /// `{"price_level":..,"category_shares":{..},"customer_country_weights":{..}}` as resolved
    /// (every category and customer country), for the run's truth.
    var json: JSONValue {
        let shares = zip(ProductCategory.all, resolvedCategoryShares).map { ($0.name, JSONValue.double($1)) }
        let countries = Geography.customerCountries.map { (Geography.countries[$0].code, JSONValue.double(countryWeight(Geography.countries[$0]))) }
        return ["price_level": .double(priceLevel), "category_shares": .object(Dictionary(uniqueKeysWithValues: shares)),
                "category_demand_follows_shares": .bool(categoryDemandFollowsShares),
                "customer_country_weights": .object(Dictionary(uniqueKeysWithValues: countries))]
    }

    /// The weight of customers living in `country`.
    func countryWeight(_ country: Country) -> Double {
        customerCountryWeights[country.code] ?? country.customerWeight
    }

    /// Where the market's customers live.
    var customerCountries: CustomerCountries {
        if customerCountryWeights.isEmpty { return .default }
        let indices = Geography.customerCountries.filter { countryWeight(Geography.countries[$0]) > 0 }
        return CustomerCountries(indices: indices, table: WeightedTable(indices.map { countryWeight(Geography.countries[$0]) }))
    }
}

/// The countries customers of a market live in, and how they are drawn.
struct CustomerCountries: Sendable {
    /// Indices into ``Geography/countries``.
    let indices: [Int]
    let table: WeightedTable

    /// ``Geography``'s own customer countries and weights.
    static let `default` = CustomerCountries(indices: Geography.customerCountries, table: Geography.customerCountryTable)

    /// A country index, by weight.
    func draw(_ rng: inout SimRandom) -> Int {
        indices[table.draw(&rng)]
    }

    /// A country index other than `home`: by weight when the market has other countries,
    /// otherwise any other of ``Geography``'s customer countries.
    func draw(otherThan home: Int, _ rng: inout SimRandom) -> Int {
        if indices.contains(where: { $0 != home }) {
            var ci = home
            while ci == home { ci = draw(&rng) }
            return ci
        }
        let others = Geography.customerCountries.filter { $0 != home }
        return rng.element(of: others)
    }
}
