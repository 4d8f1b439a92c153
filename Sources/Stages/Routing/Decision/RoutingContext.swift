import DropflowContract
import DropflowCore
import Foundation

extension RoutingDecider {
    /// One order being routed: what it asks for, and how a plan for it is priced and timed.
    struct Context {
        let order: OrderPlaced
        let picture: RoutingPicture
        let config: RoutingConfig
        let seconds: Int64
        let excluding: Set<String>
        /// Lead times already computed for this order (plans share suppliers and lanes).
        let leadTimes = LeadTimeCache()

        var destination: String { order.shippingAddress.country }
        var currency: String { order.currency }
        var option: ServiceLevel { order.shippingOption ?? .standard }
        var priority: MerchantPriority { order.merchantPriority ?? .balanced }
        var weights: RoutingConfig.Weights {
            config.weights[priority] ?? RoutingConfig.Weights(cost: 1, lateness: 1, risk: 1, perDay: 0)
        }

        /// Days left of the customer's promise at the decision (the promise counts from placement).
        var promiseDays: Double {
            let promise = config.promiseDays[option] ?? 9
            guard let placed = DateTimeFormat.epochSeconds(order.placedAt) else { return promise }
            return promise - max(0, Double(seconds - placed)) / 86_400
        }

        /// Service levels that honour the customer's choice: it or a faster one.
        var allowedLevels: [ServiceLevel] { ServiceLevel.allCases.filter { $0.speed >= option.speed } }

        /// What `supplier`'s stock of `sku` allows now: the feed less reservations and the safety buffer.
        func stock(supplier: String, sku: String) -> StockOdds? {
            picture.stock(supplier: supplier, sku: sku, at: seconds, buffer: config.safetyStockUnits)
        }

        /// The units of `sku` at `supplier` routing may plan on now.
        func usable(_ supplier: String, _ sku: String) -> Int { stock(supplier: supplier, sku: sku)?.usable ?? 0 }

        /// What missing the promise costs for this order.
        var lateCost: Double { config.lateCostFixed + config.lateCostShare * order.revenue }

        /// The suppliers that can ship some of `need` now, or why none can.
        func suppliers(for need: RoutingDecider.Need) -> ([String], [HoldReason]) {
            let offering = picture.suppliersBySKU[need.sku] ?? []
            guard !offering.isEmpty else {
                return ([], [HoldReason(code: "no_offer", detail: "no supplier offers \(need.sku)")])
            }
            var usable: [String] = []
            var outage: [String] = [], excluded: [String] = [], empty: [String] = [], currencies: Set<String> = []
            for supplier in offering {
                guard let offer = picture.offer(supplier: supplier, sku: need.sku) else { continue }
                if excluding.contains(supplier) { excluded.append(supplier); continue }
                if picture.statusOf(supplier) == .outage { outage.append(supplier); continue }
                if (stock(supplier: supplier, sku: need.sku)?.usable ?? 0) <= 0 { empty.append(supplier); continue }
                if config.convert(1, from: offer.currency, to: currency) == nil { currencies.insert(offer.currency); continue }
                usable.append(supplier)
            }
            if !usable.isEmpty { return (usable, []) }
            var parts: [String] = []
            if !empty.isEmpty { parts.append("out of stock at " + empty.joined(separator: ", ")) }
            if !outage.isEmpty { parts.append("in outage: " + outage.joined(separator: ", ")) }
            if !excluded.isEmpty { parts.append("excluded: " + excluded.joined(separator: ", ")) }
            if !currencies.isEmpty { parts.append("no exchange rate for " + currencies.sorted().joined(separator: ", ")) }
            let code = !outage.isEmpty && empty.isEmpty ? "supplier_outage" : !currencies.isEmpty && empty.isEmpty ? "no_exchange_rate" : "out_of_stock"
            return ([], [HoldReason(code: code, detail: "\(need.sku): " + parts.joined(separator: "; "))])
        }

        /// The plan that ships `parts`, each supplier's lines together; nil when a supplier has
        /// no carrier service to the destination.
        func plan(_ parts: [RoutingDecider.Part], needs: [RoutingDecider.Need]) -> RoutingPlan? {
            var bySupplier: [String: [RoutingDecider.Part]] = [:]
            for part in parts { bySupplier[part.supplier, default: []].append(part) }
            var shipments: [Shipment] = []
            for supplier in bySupplier.keys.sorted() {
                guard let shipment = shipment(supplier: supplier, parts: bySupplier[supplier]!, needs: needs) else { return nil }
                shipments.append(shipment)
            }
            return price(shipments)
        }

        /// A plan's expected cost, parts weighted by the merchant's priority.
        func price(_ shipments: [Shipment]) -> RoutingPlan {
            let leadTime = OrderLeadTime(shipments.map(\.leadTime))
            let extra = config.extraShipmentCost * Double(max(0, shipments.count - 1))
            let landed = shipments.reduce(0) { $0 + $1.landedCost } + extra
            let onTime = leadTime.cdf(max(0, promiseDays))
            let mean = leadTime.meanDays
            let fill = shipments.reduce(1) { $0 * $1.fillRate }
            let w = weights
            var plan = RoutingPlan(shipments: shipments, leadTime: leadTime, landedCost: landed, extraShipments: extra, onTime: onTime,
                                   meanDays: mean, fillProbability: fill, costPart: w.cost * landed,
                                   latenessPart: w.lateness * (1 - onTime) * lateCost, riskPart: w.risk * (1 - fill) * config.failedFillCost,
                                   speedPart: w.perDay * mean)
            if config.windowMissCost > 0 {
                // A plan whose spread the promised window cannot hold costs a broken promise more often.
                let window = RoutingMessages.promisedWindow(order: order, chosen: plan, at: seconds, config: config,
                                                            calibration: picture.learned.calibration)
                plan.windowPart = w.lateness * (1 - window.confidence) * config.windowMissCost  // weighed like lateness
            }
            return plan
        }

        /// One supplier's shipment of `parts`, by its best carrier service to the destination.
        func shipment(supplier: String, parts: [RoutingDecider.Part], needs: [RoutingDecider.Need]) -> Shipment? {
            var lines: [Shipment.Line] = []
            var grams = 0
            var goods = 0.0, customsValue = 0.0
            var origin = ""
            var handlingP50 = 0.0, handlingP90 = 0.0
            var carriers: Set<String>? = nil
            for part in parts {
                guard let offer = picture.offer(supplier: supplier, sku: part.sku),
                      let cost = MoneyAmount(offer.unitCost).flatMap({ config.convert($0.doubleValue, from: offer.currency, to: currency) })
                else { return nil }
                origin = offer.shipsFrom
                lines.append(Shipment.Line(sku: part.sku, quantity: part.quantity, unitCost: cost, offeredUnitCost: offer.unitCost))
                grams += part.quantity * (offer.unitWeightGrams ?? config.defaultUnitWeightGrams)
                goods += Double(part.quantity) * cost
                customsValue += Double(part.quantity) * (needs.first { $0.sku == part.sku }?.unitPrice ?? cost)
                // The slowest line's handling is the shipment's.
                handlingP50 = max(handlingP50, offer.handlingDays?.p50 ?? config.defaultHandlingP50)
                handlingP90 = max(handlingP90, offer.handlingDays?.p90 ?? config.defaultHandlingP90)
                if let listed = offer.carriers, !listed.isEmpty {
                    carriers = (carriers ?? Set(listed)).intersection(listed)
                }
            }
            let status = picture.statusOf(supplier)
            let learnedHandling = picture.learned.handling(supplier: supplier, stated: LogNormalDays(p50: handlingP50, p90: handlingP90),
                                                           at: seconds)
            var handling = learnedHandling.days
            // P(filled): the supplier's record of filling purchase orders, and its stock outlasting other buyers.
            var stockOdds: [String: StockOdds] = [:]
            var inStock = 1.0
            for part in parts {
                guard let odds = stock(supplier: supplier, sku: part.sku) else { return nil }
                stockOdds[part.sku] = odds
                inStock *= odds.probability(part.quantity)
            }
            var fill = (picture.records[supplier] ?? SupplierRecord()).fillRate(prior: config.priorFillRate, priorAnswers: config.priorAnswers) * inStock
            if status == .degraded {
                handling = LogNormalDays(p50: handling.median * config.degradedHandlingFactor, p90: handling.p90 * config.degradedHandlingFactor)
                fill *= config.degradedFillFactor
            }
            let duties = self.duties(from: origin, value: customsValue)
            var best: (Shipment, Double)?
            var degraded: [String: LaneHealth] = [:]
            // No service as fast as the customer chose: the fastest there is (the explanation says so).
            var quotes = lanes(from: origin, carriers: carriers, grams: grams, levels: allowedLevels)
            if quotes.isEmpty {
                let all = lanes(from: origin, carriers: carriers, grams: grams, levels: ServiceLevel.allCases)
                let fastest = all.map(\.level.speed).max()
                quotes = all.filter { $0.level.speed == fastest }
            }
            for lane in quotes {
                let hold = lane.customs ? LogNormalDays(p50: config.customsHoldP50, p90: config.customsHoldP90) : nil
                // Learned transit includes the holds its parcels met: the configured hold fades as it is learned.
                let transit = picture.learned.transit(carrier: lane.carrier, origin: origin, destination: destination,
                                                      stated: LogNormalDays(p50: lane.transitP50, p90: lane.transitP90), at: seconds)
                let pickup = config.pickup.map { picture.learned.pickup(carrier: lane.carrier, configured: $0, at: seconds).days }
                // A lane whose carrier has lately flagged many parcels (a strike): transit stretched until it recovers.
                let health = picture.learned.laneHealth(carrier: lane.carrier, origin: origin, destination: destination, at: seconds)
                var transitDays = transit.days
                if health.isDegraded {
                    degraded[lane.carrier] = health
                    transitDays = LogNormalDays(mu: transitDays.mu + log(config.degradedLaneTransitFactor), sigma: transitDays.sigma)
                }
                let leadTime = leadTimes.leadTime(handling: handling, transit: transitDays, pickup: pickup,
                                                  customsHoldProbability: config.customsHoldProbability * (1 - transit.dataShare),
                                                  customsHold: hold)
                let shipment = Shipment(supplierID: supplier, origin: origin, lines: lines, lane: lane, grams: grams, goods: goods,
                                        shipping: lane.price(grams: grams), duties: duties,
                                        leadTime: leadTime, fillRate: fill, status: status, handling: learnedHandling, transit: transit)
                let score = price([shipment]).score
                if best == nil || score < best!.1 || (score == best!.1 && lane.carrier < best!.0.lane.carrier) { best = (shipment, score) }
            }
            guard var chosen = best?.0 else { return nil }
            chosen.degradedLanes = degraded
            chosen.stock = stockOdds
            chosen.inStock = inStock
            return chosen
        }

        /// Duties and clearance fees on goods worth `value` (the customer's price) shipped from
        /// `origin` to the destination, in the order's currency.
        func duties(from origin: String, value: Double) -> Double {
            config.importCharges(from: origin, to: destination, value: value, currency: currency)
        }

        /// The carrier services from `origin` to the destination that honour the customer's
        /// shipping option: published rates of the supplier's carriers (all published ones when
        /// it names none), and an estimate for each named carrier with no rate on the lane.
        func lanes(from origin: String, carriers: Set<String>?, grams: Int, levels allowed: [ServiceLevel]) -> [LaneQuote] {
            var quotes: [LaneQuote] = []
            var rated: Set<String> = []
            for rate in picture.rates(from: origin, to: destination) {
                guard allowed.contains(rate.serviceLevel), carriers?.contains(rate.carrier) ?? true else { continue }
                if let max = rate.maxWeightGrams, grams > max { continue }
                guard let base = MoneyAmount(rate.base).flatMap({ config.convert($0.doubleValue, from: rate.currency, to: currency) }),
                      let perKg = config.convert(rate.perKg.flatMap { MoneyAmount($0)?.doubleValue } ?? 0, from: rate.currency, to: currency)
                else { continue }
                rated.insert(rate.carrier)
                quotes.append(LaneQuote(carrier: rate.carrier, level: rate.serviceLevel, origin: origin, destination: destination,
                                        base: base, perKg: perKg, transitP50: rate.transitDays.p50, transitP90: rate.transitDays.p90,
                                        customs: rate.customs ?? (config.importRules(from: origin, to: destination) != nil),
                                        estimated: false))
            }
            for carrier in (carriers ?? []).sorted() where !rated.contains(carrier) {
                // A carrier's levels are those it publishes anywhere; unknown, the slowest allowed.
                let known = picture.carrierLevels[carrier] ?? []
                let levels = known.isEmpty ? [allowed[0]] : allowed.filter { known.contains($0) }
                for level in levels {
                    if let quote = estimate(carrier: carrier, level: level, from: origin) { quotes.append(quote) }
                }
            }
            return quotes
        }

        /// ``RoutingConfig``'s estimate for a lane without a published rate.
        func estimate(carrier: String, level: ServiceLevel, from origin: String) -> LaneQuote? {
            let zone = Regions.zone(origin, destination)
            let e = config.laneEstimates[min(zone, config.laneEstimates.count) - 1]
            let price = config.estimatePriceFactor[level] ?? 1, transit = config.estimateTransitFactor[level] ?? 1
            guard let base = config.convert(e.base * price, from: config.estimateCurrency, to: currency),
                  let perKg = config.convert(e.perKg * price, from: config.estimateCurrency, to: currency) else { return nil }
            return LaneQuote(carrier: carrier, level: level, origin: origin, destination: destination, base: base, perKg: perKg,
                             transitP50: e.transitP50 * transit, transitP90: e.transitP90 * transit,
                             customs: config.importRules(from: origin, to: destination) != nil, estimated: true)
        }
    }
}

/// Lead times computed while deciding one order, by their parameters (plans share suppliers
/// and lanes, and each lead time's table is a convolution).
final class LeadTimeCache {
    private struct Key: Hashable {
        var handling: LogNormalDays
        var transit: LogNormalDays
        var pickup: LogNormalDays?
        var customsHoldProbability: Double
        var customsHold: LogNormalDays?
    }

    private var known: [Key: ShipmentLeadTime] = [:]

    func leadTime(handling: LogNormalDays, transit: LogNormalDays, pickup: LogNormalDays?, customsHoldProbability: Double,
                  customsHold: LogNormalDays?) -> ShipmentLeadTime {
        let key = Key(handling: handling, transit: transit, pickup: pickup, customsHoldProbability: customsHoldProbability,
                      customsHold: customsHold)
        if let found = known[key] { return found }
        let computed = ShipmentLeadTime(handling: handling, transit: transit, pickup: pickup, customsHoldProbability: customsHoldProbability,
                                        customsHold: customsHold)
        known[key] = computed
        return computed
    }
}
