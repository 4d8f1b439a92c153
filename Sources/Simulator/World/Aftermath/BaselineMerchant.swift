import DropflowCore
import DropflowJSON
import DropflowContract

/// A naive merchant that sends every order to suppliers without any fraud screening: each
/// line to the cheapest supplier offering the SKU that has a carrier of the order's shipping
/// level serving the destination (else any carrier serving it, else any supplier of the SKU);
/// lines grouped per supplier into one `purchase-orders` value each.
public struct BaselineMerchant: Sendable {
    public let world: World
    private let productIndexBySKU: [String: Int]

    public init(world: World) {
        self.world = world
        var index: [String: Int] = [:]
        for (i, product) in world.catalogue.products.enumerated() { index[product.sku] = i }
        productIndexBySKU = index
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

        // Supplier index → (carrier, lines), in the order suppliers are first chosen.
        var groups: [(supplier: Int, carrier: String, lines: [JSONValue])] = []
        for line in lines {
            guard let sku = line["sku"]?.stringValue, let p = productIndexBySKU[sku] else { continue }
            let candidates = world.suppliersByProduct[p]
            var best: (supplier: Int, carrier: String, rank: Int, cost: Int64)?
            for s in candidates {
                let supplier = world.suppliers[s]
                guard let offer = supplier.offers.first(where: { $0.sku == sku }) else { continue }
                let (carrier, rank) = carrierChoice(supplier, destination: destination, level: level)
                if best == nil || rank < best!.rank || (rank == best!.rank && offer.unitCostCents < best!.cost) {
                    best = (s, carrier, rank, offer.unitCostCents)
                }
            }
            guard let best else { continue }
            let value: JSONValue = ["sku": .string(sku), "quantity": .integer(line["quantity"]?.int64Value ?? 1),
                                    "unit_cost": .string(MoneyAmount(cents: best.cost).description)]
            if let g = groups.firstIndex(where: { $0.supplier == best.supplier }) {
                groups[g].lines.append(value)
            } else {
                groups.append((best.supplier, best.carrier, [value]))
            }
        }
        return groups.enumerated().map { k, group in
            let supplier = world.suppliers[group.supplier]
            let poAt = at + .seconds(Int64(k))
            let po: JSONValue = [
                "purchase_order_id": .string("po-" + orderID + "-" + supplier.id + "-1"), "order_id": .string(orderID),
                "supplier_id": .string(supplier.id), "revision": 1, "lines": .array(group.lines),
                "carrier": .string(group.carrier), "ship_to": shipTo,
                "ship_by": .string((poAt + .days(supplier.statedHandling.p90)).rfc3339), "at": .string(poAt.rfc3339),
            ]
            return SimRecord(topic: SimRecord.Topic.purchaseOrders, key: orderID, value: po,
                             truth: ["source": "baseline_merchant"], at: poAt)
        }
    }

    /// The supplier's carrier for a parcel to `destination`: the cheapest of its carriers at
    /// `level` serving the lane (rank 0), else the cheapest serving it (rank 1), else its first
    /// carrier (rank 2).
    func carrierChoice(_ supplier: Supplier, destination: String, level: ShippingLevel) -> (String, Int) {
        var best: (carrier: String, rank: Int, rate: Int64)?
        for carrier in supplier.carriers {
            guard let lane = world.network.lane(carrier: carrier, origin: supplier.country, destination: destination) else { continue }
            let rank = lane.level == level ? 0 : 1
            let rate = lane.rateCents(weightGrams: 500)
            if best == nil || rank < best!.rank || (rank == best!.rank && rate < best!.rate) { best = (carrier, rank, rate) }
        }
        return best.map { ($0.carrier, $0.rank) } ?? (supplier.carriers.first ?? "dhl-express", 2)
    }
}
