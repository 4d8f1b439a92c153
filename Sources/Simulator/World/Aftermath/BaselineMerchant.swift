import DropflowCore
import DropflowJSON
import DropflowContract

/// A naive merchant that sends every order to suppliers without any fraud screening, each line
/// to one supplier by its ``Rule`` (by default the cheapest supplier offering the SKU whose feed
/// — the latest `supplier.offers` it observed — states enough units and that has a carrier of
/// the order's shipping level serving the destination; else, in this order of preference: one
/// with another carrier serving it, a supplier whose feed states too few units, any supplier of
/// the SKU); lines grouped per supplier into one `purchase-orders` value each, with the
/// supplier's cheapest carrier (at the carrier's price at the time) that serves the destination
/// at that level and takes the parcel's weight. It believes the feeds, phantom units included,
/// never re-routes and never cancels.
public struct BaselineMerchant: Sendable, Merchant {
    /// How a line's supplier is chosen.
    public enum Rule: String, Sendable, CaseIterable {
        /// The cheapest supplier whose feed states enough units (preferring one with a carrier of
        /// the order's level to the destination).
        case cheapestInStock = "cheapest-in-stock"
        /// The supplier of the SKU with the lowest unit cost, always: stock, carriers and speed
        /// are not looked at.
        case fixedCheapest = "fixed-cheapest"
        /// The first supplier in the catalogue's list for the SKU whose feed states enough units
        /// (preferring one with a carrier of the order's level to the destination).
        case firstInStock = "first-in-stock"
    }

    public let world: World
    public let rule: Rule
    /// The latest stated `available_qty` per `supplier.offers` key (0 once withdrawn).
    private var stated: [String: Int] = [:]

    public init(world: World, rule: Rule = .cheapestInStock) {
        self.world = world
        self.rule = rule
    }

    /// Reads a `supplier.offers` record (others are ignored): what the feed says a supplier has.
    public mutating func observe(_ record: SimRecord) {
        guard record.topic == SimRecord.Topic.supplierOffers, let key = record.key else { return }
        stated[key] = record.value.map { Int($0["available_qty"]?.int64Value ?? 0) } ?? 0
    }

    /// Reads `record` (``observe(_:)``); for an order, its purchase orders.
    public mutating func react(to record: SimRecord) -> [SimRecord] {
        observe(record)
        return purchaseOrders(for: record)
    }

    /// The purchase-order records for an `orders.placed` record (key `order_id`, truth
    /// `{"source":"baseline_merchant"}`), a few minutes after placement; [] for other records.
    public func purchaseOrders(for order: SimRecord) -> [SimRecord] {
        guard order.topic == SimRecord.Topic.ordersPlaced, let v = order.value, let orderID = v["order_id"]?.stringValue,
              let placed = v["placed_at"]?.stringValue.flatMap(SimInstant.init(rfc3339:)),
              let shipTo = v["shipping_address"], let destination = shipTo["country"]?.stringValue,
              let lines = v["lines"]?.arrayValue else { return [] }
        let level = ShippingLevel(rawValue: v["shipping_option"]?.stringValue ?? "standard") ?? .standard
        var rng = SimRandom(seed: world.config.seed, stream: "merchant/" + orderID)
        let at = placed + .minutes(rng.uniform(1, 5))

        // Supplier index → (lines, weight), in the order suppliers are first chosen.
        var groups: [(supplier: Int, lines: [JSONValue], weight: Int)] = []
        for line in lines {
            guard let sku = line["sku"]?.stringValue, let p = world.catalogue.indexBySKU[sku] else { continue }
            let quantity = Int(line["quantity"]?.int64Value ?? 1)
            let weight = quantity * world.catalogue.products[p].weightGrams
            var best: (supplier: Int, order: (Int, Int, Int64, Int), cost: Int64)?
            for (position, s) in world.suppliersByProduct[p].enumerated() {
                let supplier = world.suppliers[s]
                guard let offer = supplier.offers.first(where: { $0.sku == sku }) else { continue }
                let short = stated[supplier.offerKey(sku: sku)].map { $0 < quantity } ?? false
                let rank = carrierChoice(supplier, destination: destination, level: level, weightGrams: weight, at: at).1
                let order: (Int, Int, Int64, Int)
                switch rule {
                case .cheapestInStock: order = (short ? 1 : 0, rank, offer.unitCostCents, 0)
                case .fixedCheapest: order = (0, 0, offer.unitCostCents, position)
                case .firstInStock: order = (short ? 1 : 0, rank, 0, position)
                }
                if best == nil || order < best!.order { best = (s, order, offer.unitCostCents) }
            }
            guard let best else { continue }
            let value: JSONValue = ["sku": .string(sku), "quantity": .integer(Int64(quantity)),
                                    "unit_cost": .string(MoneyAmount(cents: best.cost).description)]
            if let g = groups.firstIndex(where: { $0.supplier == best.supplier }) {
                groups[g].lines.append(value)
                groups[g].weight += weight
            } else {
                groups.append((best.supplier, [value], weight))
            }
        }
        return groups.enumerated().map { k, group in
            let supplier = world.suppliers[group.supplier]
            let poAt = at + .seconds(Int64(k))
            let carrier = carrierChoice(supplier, destination: destination, level: level, weightGrams: group.weight, at: poAt).0
            let po: JSONValue = [
                "purchase_order_id": .string("po-" + orderID + "-" + supplier.id + "-1"), "order_id": .string(orderID),
                "supplier_id": .string(supplier.id), "revision": 1, "lines": .array(group.lines),
                "carrier": .string(carrier), "ship_to": shipTo,
                "ship_by": .string((poAt + .days(supplier.statedHandling.p90)).rfc3339), "at": .string(poAt.rfc3339),
            ]
            return SimRecord(topic: SimRecord.Topic.purchaseOrders, key: orderID, value: po,
                             truth: ["source": "baseline_merchant"], at: poAt)
        }
    }

    /// The supplier's carrier for a parcel of `weightGrams` to `destination`: the cheapest (at
    /// `at`) of its carriers at `level` serving the lane and taking the weight (rank 0), else the
    /// cheapest serving it and taking the weight (rank 1), else the cheapest serving it (rank 2),
    /// else its first carrier (rank 3).
    func carrierChoice(_ supplier: Supplier, destination: String, level: ShippingLevel, weightGrams: Int,
                       at: SimInstant) -> (String, Int) {
        var best: (carrier: String, rank: Int, price: Int64)?
        for carrier in supplier.carriers {
            guard let i = world.network.laneIndex(carrier: carrier, origin: supplier.country, destination: destination) else { continue }
            let lane = world.network.lanes[i]
            let fits = weightGrams <= (CarrierService.named(carrier)?.maxWeightGrams ?? Int.max)
            let rank = !fits ? 2 : lane.level == level ? 0 : 1
            let price = world.rates.priceCents(lane: i, weightGrams: max(1, weightGrams), at: at)
            if best == nil || (rank, price) < (best!.rank, best!.price) { best = (carrier, rank, price) }
        }
        return best.map { ($0.carrier, $0.rank) } ?? (supplier.carriers.first ?? "dhl-express", 3)
    }
}
