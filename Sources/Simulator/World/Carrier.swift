import DropflowContract
/// The speed class of a carrier service, matching the contract's `shipping_option`.
public enum ShippingLevel: String, Sendable, Hashable, CaseIterable {
    case economy, standard, express

    /// Transit medians, days, for zones 1–4.
    var transitMedianByZone: [Double] {
        switch self {
        case .express: return [1, 2, 3, 4]
        case .standard: return [2, 4, 6, 9]
        case .economy: return [3, 7, 12, 18]
        }
    }

    /// Base rate for zones 1–4, cents.
    var baseRateByZone: [Int64] {
        switch self {
        case .express: return [900, 1_900, 2_900, 3_900]
        case .standard: return [450, 790, 1_190, 1_590]
        case .economy: return [290, 390, 490, 590]
        }
    }

    /// Rate per started 500 g for zones 1–4, cents.
    var perHalfKiloByZone: [Int64] {
        switch self {
        case .express: return [150, 300, 450, 600]
        case .standard: return [80, 150, 220, 300]
        case .economy: return [40, 70, 100, 130]
        }
    }

    /// Base probability of a customs hold on a lane that crosses a customs border.
    var customsHoldBase: Double {
        switch self {
        case .express: return 0.02
        case .standard: return 0.05
        case .economy: return 0.1
        }
    }
}

/// A carrier service, e.g. `dhl-express`.
public struct CarrierService: Sendable, Hashable {
    /// The id suppliers and purchase orders use.
    public let id: String
    public let level: ShippingLevel
    /// Countries it picks up in; empty means everywhere.
    public let origins: [String]
    /// Whether it only delivers in the origin's own country.
    public let domesticOnly: Bool
    /// Multiplies the level's rates (carriers price differently).
    public let rateFactor: Double
    /// The heaviest parcel it takes, grams (postal packets 2 kg). A supplier asked to ship a
    /// heavier purchase order with it rejects the order; `carrier.rates` state it.
    public let maxWeightGrams: Int

    /// The service with `id`, if any.
    public static func named(_ id: String) -> CarrierService? {
        all.first { $0.id == id }
    }

    /// Whether it picks up in `country`.
    public func servesOrigin(_ country: String) -> Bool {
        origins.isEmpty || origins.contains(country)
    }

    /// The services of the simulated world.
    public static let all: [CarrierService] = [
        CarrierService(id: "dhl-express", level: .express, origins: [], domesticOnly: false, rateFactor: 1.1,
                       maxWeightGrams: 70_000),
        CarrierService(id: "fedex-priority", level: .express, origins: ["US", "CA", "GB", "DE", "CN", "NL"],
                       domesticOnly: false, rateFactor: 1.05, maxWeightGrams: 68_000),
        CarrierService(id: "ups-standard", level: .standard, origins: ["US", "CA", "GB", "DE", "NL", "PL", "ES", "IT", "FR", "TR"],
                       domesticOnly: false, rateFactor: 1.0, maxWeightGrams: 32_000),
        CarrierService(id: "dpd-classic", level: .standard, origins: ["DE", "PL", "NL", "FR", "ES", "IT", "GB", "SE"],
                       domesticOnly: false, rateFactor: 0.9, maxWeightGrams: 31_500),
        CarrierService(id: "usps-ground", level: .standard, origins: ["US"], domesticOnly: true, rateFactor: 0.8,
                       maxWeightGrams: 31_500),
        CarrierService(id: "royalmail-tracked", level: .standard, origins: ["GB"], domesticOnly: true, rateFactor: 0.85,
                       maxWeightGrams: 20_000),
        CarrierService(id: "cainiao-standard", level: .standard, origins: ["CN"], domesticOnly: false, rateFactor: 0.7,
                       maxWeightGrams: 20_000),
        CarrierService(id: "yanwen-economy", level: .economy, origins: ["CN", "VN"], domesticOnly: false, rateFactor: 0.8,
                       maxWeightGrams: 2_000),
        CarrierService(id: "postnl-packet", level: .economy, origins: ["NL", "DE", "PL", "ES", "IT", "FR", "SE", "TR"],
                       domesticOnly: false, rateFactor: 1.0, maxWeightGrams: 2_000),
        CarrierService(id: "ptt-intl", level: .economy, origins: ["TR"], domesticOnly: false, rateFactor: 0.9,
                       maxWeightGrams: 2_000),
    ]
}

/// A shipping zone between two countries: 1 domestic, 2 same region, 3 neighbouring European
/// regions, 4 intercontinental.
public enum Zone {
    public static func between(_ origin: String, _ destination: String) -> Int {
        if origin == destination { return 1 }
        guard let a = Geography.country(origin)?.region, let b = Geography.country(destination)?.region else { return 4 }
        if a == b { return 2 }
        let europe: Set<Region> = [.eu, .europeOther]
        if europe.contains(a) && europe.contains(b) { return 3 }
        return 4
    }

    /// Whether a parcel from `origin` to `destination` passes customs.
    public static func crossesCustoms(_ origin: String, _ destination: String) -> Bool {
        if origin == destination { return false }
        let a = Geography.country(origin)?.region
        let b = Geography.country(destination)?.region
        return !(a == .eu && b == .eu)
    }
}

/// One carrier service from one origin country to one destination country.
public struct Lane: Sendable {
    public let carrier: String
    public let origin: String
    public let destination: String
    public let zone: Int
    public let level: ShippingLevel
    /// Days from pick-up to delivery, without customs holds or strikes.
    public let transit: LeadTimeDistribution
    /// Probability that a parcel on this lane is held in customs (0 on many cross-border lanes).
    public let customsHoldProbability: Double
    /// Extra days a customs hold adds.
    public let customsHoldDays: LeadTimeDistribution
    /// Base rate, cents of the run's currency, and the rate per started 500 g: the carrier's
    /// tariff at the start of the run (``CarrierRateBook`` has price changes and what is published).
    public let baseRateCents: Int64
    public let perHalfKiloCents: Int64

    /// The lane's key on `carrier.rates`: `<carrier>/<service_level>/<origin>/<destination>`.
    public var rateKey: String { carrier + "/" + level.rawValue + "/" + origin + "/" + destination }

    /// Whether a parcel on it passes customs.
    public var crossesCustoms: Bool { Zone.crossesCustoms(origin, destination) }

    /// What the carrier charges for a parcel of `weightGrams`, cents.
    public func rateCents(weightGrams: Int) -> Int64 {
        baseRateCents + perHalfKiloCents * Int64(max(1, (weightGrams + 499) / 500))
    }
}

/// Every lane of the world, and lookups.
public struct CarrierNetwork: Sendable {
    /// Lanes in a fixed order (carrier, origin, destination).
    public let lanes: [Lane]
    private let index: [String: Int]

    /// Lanes of every service from every supplier country to every customer country.
    static func generate(origins: [String], destinations: [String], _ rng: inout SimRandom) -> CarrierNetwork {
        var lanes: [Lane] = []
        for service in CarrierService.all {
            for origin in origins where service.servesOrigin(origin) {
                for destination in destinations where !service.domesticOnly || destination == origin {
                    let zone = Zone.between(origin, destination)
                    let median = service.level.transitMedianByZone[zone - 1] * rng.uniform(0.85, 1.2)
                    let transit = LeadTimeDistribution(p50: median, p90: median * rng.uniform(1.5, 2.2))
                    var hold = 0.0
                    if Zone.crossesCustoms(origin, destination) && rng.chance(0.55) {
                        hold = service.level.customsHoldBase * rng.uniform(0.5, 2.5)
                    }
                    lanes.append(Lane(
                        carrier: service.id, origin: origin, destination: destination, zone: zone, level: service.level,
                        transit: transit, customsHoldProbability: hold,
                        customsHoldDays: LeadTimeDistribution(p50: 2, p90: 6),
                        baseRateCents: Pricing.scale(service.level.baseRateByZone[zone - 1], by: service.rateFactor),
                        perHalfKiloCents: Pricing.scale(service.level.perHalfKiloByZone[zone - 1], by: service.rateFactor)))
                }
            }
        }
        return CarrierNetwork(lanes: lanes)
    }

    /// A network of the given lanes.
    public init(lanes: [Lane]) {
        self.lanes = lanes
        var index: [String: Int] = [:]
        for (i, lane) in lanes.enumerated() { index[Self.key(lane.carrier, lane.origin, lane.destination)] = i }
        self.index = index
    }

    /// The lane of `carrier` from `origin` to `destination`, if the carrier serves it.
    public func lane(carrier: String, origin: String, destination: String) -> Lane? {
        index[Self.key(carrier, origin, destination)].map { lanes[$0] }
    }

    /// The index in ``lanes`` of `carrier`'s lane from `origin` to `destination`, if it serves it.
    public func laneIndex(carrier: String, origin: String, destination: String) -> Int? {
        index[Self.key(carrier, origin, destination)]
    }

    private static func key(_ carrier: String, _ origin: String, _ destination: String) -> String {
        carrier + "|" + origin + "|" + destination
    }
}
