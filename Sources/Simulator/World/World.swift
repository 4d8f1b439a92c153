import DropflowCore
import DropflowJSON
import DropflowContract
import Foundation

/// The fixed part of the simulated world: catalogue, suppliers and their offers, carrier lanes,
/// and the scenarios that bend them. A pure function of the configuration; the parts that
/// change during a run (stock, customers, supplier health) live in the run's engine.
public struct World: Sendable {
    public let config: SimulationConfig
    public let catalogue: Catalogue
    public let suppliers: [Supplier]
    public let network: CarrierNetwork
    /// What the carriers publish on `carrier.rates` (and the lanes left without a rate).
    public let rates: CarrierRateBook
    /// The supplier with the most offers (the default victim of a supplier outage).
    public let majorSupplierIndex: Int
    /// Indices into `suppliers` of the suppliers offering each product (catalogue order); 1–5 of
    /// them, each in a different country.
    public let suppliersByProduct: [[Int]]
    /// Where customers live (``SimulationConfig/market``).
    let customerCountries: CustomerCountries

    /// Supplier countries and their weights when drawing suppliers past the first three.
    static let supplierCountries: [(code: String, weight: Double)] = [
        ("CN", 5), ("VN", 1), ("TR", 1.5), ("US", 2.5), ("DE", 2), ("PL", 1.5), ("GB", 1.5),
        ("ES", 1), ("NL", 1), ("IT", 1), ("FR", 0.5), ("SE", 0.3), ("CA", 0.3), ("AU", 0.3),
    ]

    /// How many suppliers offer one SKU: 1–5.
    static let offerCountWeights: [Double] = [0.25, 0.3, 0.25, 0.12, 0.08]

    /// The world of `config` (uses its own random stream, so the rest of the run cannot shift it).
    public static func generate(_ config: SimulationConfig) -> World {
        var rng = SimRandom(seed: config.seed, stream: "world")
        let catalogue = Catalogue.generate(count: config.skuCount, market: config.market, &rng)

        // Suppliers: one of each profile first, then by country.
        var drafts: [(country: String, profile: SupplierProfile)] = [("CN", .cheapSlow), ("DE", .fastReliable), ("TR", .stockLiar)]
        while drafts.count < config.supplierCount {
            let code = supplierCountries[rng.weightedIndex(supplierCountries.map(\.weight))].code
            let asian = code == "CN" || code == "VN"
            let profile: SupplierProfile = asian
                ? (rng.chance(0.7) ? .cheapSlow : .stockLiar)
                : [SupplierProfile.fastReliable, .stockLiar, .cheapSlow][rng.weightedIndex([0.65, 0.2, 0.15])]
            drafts.append((code, profile))
        }
        let major = rng.int(below: 3)
        let sizeWeights = drafts.indices.map { $0 == major ? 6 : rng.logNormal(mu: 0, sigma: 0.5) }

        // Which suppliers offer which product.
        var offerLists = [[Int]](repeating: [], count: drafts.count)  // product indices per supplier
        var byProduct: [[Int]] = []
        for p in catalogue.products.indices {
            let k = min(drafts.count, 1 + rng.weightedIndex(offerCountWeights))
            var weights = sizeWeights
            var chosen: [Int] = []
            for _ in 0..<k where weights.contains(where: { $0 > 0 }) {
                let s = rng.weightedIndex(weights)
                chosen.append(s)
                // One offer per country: the others of this supplier's country are out.
                for other in drafts.indices where drafts[other].country == drafts[s].country { weights[other] = 0 }
            }
            chosen.sort()
            for s in chosen { offerLists[s].append(p) }
            byProduct.append(chosen)
        }

        var suppliers: [Supplier] = []
        var cityCounters: [String: Int] = [:]
        for (i, draft) in drafts.enumerated() {
            let country = Geography.country(draft.country)!
            let city = rng.element(of: country.supplierCities)
            cityCounters[city, default: 0] += 1
            let id = "sup-" + city + "-" + String(cityCounters[city]!)
            let handling = Self.handling(for: draft.profile, &rng)
            let stated = handling.scaled(by: draft.profile.statedHandlingFactor)
            let acceptsReturns = rng.chance([SupplierProfile.fastReliable: 0.8, .cheapSlow: 0.25, .stockLiar: 0.5][draft.profile]!)
            let fee = acceptsReturns ? rng.element(of: [0, 0, 5, 10, 15, 20, 25]) : 0
            let available = CarrierService.all.filter { $0.servesOrigin(draft.country) }.map(\.id)
            let carriers = rng.distinctIndices(min(available.count, rng.int(in: 2...3)), of: available.count)
                .sorted().map { available[$0] }
            let offers = offerLists[i].map { p in
                Self.offer(of: catalogue.products[p], index: p, profile: draft.profile, offeredBy: byProduct[p].count,
                           ordersPerDay: config.ordersPerDay, &rng)
            }
            suppliers.append(Supplier(id: id, country: draft.country, profile: draft.profile, handling: handling,
                                      statedHandling: stated, acceptsReturns: acceptsReturns, restockingFeePct: fee,
                                      carriers: carriers, offers: offers))
        }
        var majorIndex = 0
        for i in suppliers.indices where suppliers[i].offers.count > suppliers[majorIndex].offers.count { majorIndex = i }

        let origins = drafts.map(\.country).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let destinations = Geography.customerCountries.map { Geography.countries[$0].code }
        let network = CarrierNetwork.generate(origins: origins, destinations: destinations, &rng)
        // Rates draw from streams of their own: the world's stream ends here, as before.
        let rates = CarrierRateBook.generate(network: network, config: config)
        return World(config: config, catalogue: catalogue, suppliers: suppliers, network: network, rates: rates,
                     majorSupplierIndex: majorIndex, suppliersByProduct: byProduct,
                     customerCountries: config.market.customerCountries)
    }

    /// True handling-time distribution of a new supplier of `profile`.
    static func handling(for profile: SupplierProfile, _ rng: inout SimRandom) -> LeadTimeDistribution {
        switch profile {
        case .fastReliable:
            let p50 = rng.uniform(0.8, 1.5)
            return LeadTimeDistribution(p50: p50, p90: p50 * rng.uniform(1.6, 2.2))
        case .cheapSlow:
            let p50 = rng.uniform(3, 6)
            return LeadTimeDistribution(p50: p50, p90: p50 * rng.uniform(2, 3))
        case .stockLiar:
            let p50 = rng.uniform(1.5, 3)
            return LeadTimeDistribution(p50: p50, p90: p50 * rng.uniform(2, 3))
        }
    }

    /// One supplier's offer of `product`.
    static func offer(of product: Product, index: Int, profile: SupplierProfile, offeredBy count: Int,
                      ordersPerDay: Double, _ rng: inout SimRandom) -> SupplierOffer {
        let ratio: Double
        if product.category.name == "gift_cards" {
            ratio = rng.uniform(0.9, 0.96)
        } else {
            switch profile {
            case .fastReliable: ratio = rng.uniform(0.5, 0.62)
            case .cheapSlow: ratio = rng.uniform(0.3, 0.4)
            case .stockLiar: ratio = rng.uniform(0.38, 0.5)
            }
        }
        // The supplier sells to many merchants: this merchant's demand times a market factor.
        let demand = max(0.2, ordersPerDay * 1.9 * product.popularity * rng.uniform(0.5, 2) / Double(count))
        let leadDays: Double
        switch profile {
        case .fastReliable: leadDays = rng.uniform(2, 5)
        case .cheapSlow: leadDays = rng.uniform(7, 20)
        case .stockLiar: leadDays = rng.uniform(4, 12)
        }
        let target = max(5, Int(demand * rng.uniform(10, 40)))
        let initial = rng.chance(0.04) ? 0 : Int(Double(target) * rng.uniform(0.2, 1))
        return SupplierOffer(productIndex: index, sku: product.sku, unitCostCents: max(1, Pricing.scale(product.priceCents, by: ratio)),
                             dailyDemand: demand, initialStock: initial, reorderPoint: Int(demand * leadDays * 0.8),
                             restockTarget: target, restockLeadDays: leadDays)
    }

    /// The supplier with `id`, if any.
    public func supplier(id: String) -> Supplier? {
        suppliers.first { $0.id == id }
    }

    /// Days in transit for a parcel of `carrier` from `origin` to `destination` picked up at
    /// `pickup`: the lane's distribution, times the multiplier of any strike on it, plus a
    /// customs hold when one happens. Nil when the carrier does not serve the lane.
    public func sampleTransit(carrier: String, origin: String, destination: String, pickup: SimInstant,
                              _ rng: inout SimRandom) -> (days: Double, customsHoldDays: Double)? {
        guard let lane = network.lane(carrier: carrier, origin: origin, destination: destination) else { return nil }
        var days = lane.transit.sample(&rng)
        for strike in config.strikes where strike.affects(carrier: carrier, origin: origin, destination: destination, at: pickup) {
            days *= strike.transitMultiplier
        }
        let hold = rng.chance(lane.customsHoldProbability) ? lane.customsHoldDays.sample(&rng) : 0
        return (days, hold)
    }
}
