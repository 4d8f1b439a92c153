import DropflowContract
import DropflowPipeline
import Foundation

/// Chooses the suppliers and carrier services for one order from what the picture shows, by
/// expected cost: landed cost (goods, shipping by weight and lane, duties and fees on customs
/// lanes, extra shipments), the expected cost of missing the customer's promise (from the
/// distribution of handling plus transit), the expected cost of a supplier not filling its part
/// (its status and track record), and, as the merchant's priority asks, each expected day.
/// Pure: the same picture, order and time give the same plan.
public struct RoutingDecider: Sendable {
    public var config: RoutingConfig

    public init(config: RoutingConfig = RoutingConfig()) {
        self.config = config
    }

    /// One line of the order as routing needs it (the same SKU on two lines counts once).
    struct Need: Hashable {
        var sku: String
        var quantity: Int
        /// What the customer pays per unit, in the order's currency.
        var unitPrice: Double
    }

    /// The plan for `order` at `seconds` (event time), or why it must wait. `excluding`
    /// suppliers are not considered (a re-route's cause).
    public func decide(_ order: OrderPlaced, picture: RoutingPicture, at seconds: Int64, excluding: Set<String> = []) -> RoutingOutcome {
        let needs = Self.needs(order)
        let context = Context(order: order, picture: picture, config: config, seconds: seconds, excluding: excluding)

        // Who can ship each line at all.
        var holds: [HoldReason] = []
        var usable: [String: [String]] = [:]
        for need in needs {
            let (suppliers, reasons) = context.suppliers(for: need)
            if suppliers.isEmpty { holds += reasons } else { usable[need.sku] = suppliers }
        }
        // A line no supplier can fill whole may still be filled by several together.
        for need in needs where holds.isEmpty {
            let odds = (usable[need.sku] ?? []).compactMap { context.stock(supplier: $0, sku: need.sku) }
            let available = odds.reduce(0) { $0 + $1.usable }
            if available < need.quantity {
                let reserved = odds.reduce(0) { $0 + $1.reserved }
                holds.append(HoldReason(code: "out_of_stock", detail: "\(need.sku): \(available) of \(need.quantity) units offered by the suppliers that can ship now"
                                        + (reserved > 0 ? " (\(reserved) more held by orders in flight)" : "")))
            }
        }
        guard holds.isEmpty else { return .hold(holds) }

        var plans: [RoutingPlan] = []
        var seen: Set<[String]> = []
        for assignment in candidateAssignments(needs, usable: usable, context: context) {
            let signature = assignment.map { "\($0.supplier)|\($0.sku)|\($0.quantity)" }.sorted()
            guard seen.insert(signature).inserted, let plan = context.plan(assignment, needs: needs) else { continue }
            plans.append(plan)
        }
        guard !plans.isEmpty else {
            return .hold([HoldReason(code: "no_lane", detail: "no carrier service of the suppliers with stock reaches \(order.shippingAddress.country)")])
        }
        plans.sort { a, b in a.score != b.score ? a.score < b.score : a.name < b.name }
        let promise = context.promiseDays
        func slower(_ plan: RoutingPlan) -> String? {
            let levels = plan.shipments.filter { $0.lane.level.speed < context.option.speed }
            guard !levels.isEmpty else { return nil }
            return "no \(context.option.rawValue) service from " + levels.map(\.supplierID).joined(separator: ", ")
                + ": shipped by " + levels.map(\.lane.level.rawValue).joined(separator: ", ")
        }
        let keeping = plans.filter { $0.onTime >= config.minimumOnTimeProbability }
        if keeping.isEmpty {
            // No plan keeps the promise as surely as asked: the likeliest to, and say so.
            let ranked = plans.sorted { a, b in a.onTime != b.onTime ? a.onTime > b.onTime : a.score < b.score }
            let binding = "no plan keeps the \(context.option.rawValue) promise (\(Format.days(promise)) days from placement) with "
                + "\(Format.percent(config.minimumOnTimeProbability)) confidence; chose the likeliest (\(Format.percent(ranked[0].onTime)))"
            return .routed(chosen: ranked[0], ranked: ranked, binding: [binding, slower(ranked[0])].compactMap { $0 }.joined(separator: "; "))
        }
        let binding = keeping.count < plans.count && keeping[0] != plans[0]
            ? "the \(context.option.rawValue) promise (\(Format.days(promise)) days): cheaper plans keep it less than "
                + "\(Format.percent(config.minimumOnTimeProbability)) of the time"
            : nil
        let constraints = [binding, slower(keeping[0])].compactMap { $0 }
        return .routed(chosen: keeping[0], ranked: keeping + plans.filter { $0.onTime < config.minimumOnTimeProbability },
                       binding: constraints.isEmpty ? nil : constraints.joined(separator: "; "))
    }

    /// The order's lines as routing needs them.
    static func needs(_ order: OrderPlaced) -> [Need] {
        var needs: [Need] = []
        for line in order.lines {
            let price = MoneyAmount(line.unitPrice)?.doubleValue ?? 0
            if let i = needs.firstIndex(where: { $0.sku == line.sku }) {
                needs[i].quantity += line.quantity
            } else {
                needs.append(Need(sku: line.sku, quantity: line.quantity, unitPrice: price))
            }
        }
        return needs
    }

    /// The plan that places all of `order` with `supplier` whatever its stock says (a backorder:
    /// it ships when the supplier restocks), or nil when it does not offer a line or has no lane.
    func backorderPlan(_ order: OrderPlaced, supplier: String, picture: RoutingPicture, at seconds: Int64) -> RoutingPlan? {
        let needs = Self.needs(order)
        let context = Context(order: order, picture: picture, config: config, seconds: seconds, excluding: [])
        return context.plan(needs.map { Part(supplier: supplier, sku: $0.sku, quantity: $0.quantity) }, needs: needs)
    }

    /// One supplier shipping some units of one SKU.
    struct Part: Hashable {
        var supplier: String
        var sku: String
        var quantity: Int
    }

    /// The assignments worth scoring: each supplier that can ship the whole order; the best
    /// supplier for each line on its own (a split); for small orders every mix of the two best
    /// per line; and, for a line no supplier has enough of, the units spread over the best ones.
    func candidateAssignments(_ needs: [Need], usable: [String: [String]], context: Context) -> [[Part]] {
        var assignments: [[Part]] = []
        // Suppliers ranked per line by what shipping that line alone would score.
        var ranked: [String: [String]] = [:]
        // Lines no supplier has enough of: the units spread over the best suppliers.
        var spread: [String: [Part]] = [:]
        for need in needs {
            let whole = (usable[need.sku] ?? []).filter { context.usable($0, need.sku) >= need.quantity }
            let all = usable[need.sku] ?? []
            func standalone(_ supplier: String) -> Double {
                let quantity = min(need.quantity, context.usable(supplier, need.sku))
                guard quantity > 0, let plan = context.plan([Part(supplier: supplier, sku: need.sku, quantity: quantity)],
                                                            needs: [Need(sku: need.sku, quantity: quantity, unitPrice: need.unitPrice)])
                else { return .infinity }
                return plan.score / Double(quantity)
            }
            let scores = Dictionary(uniqueKeysWithValues: all.map { ($0, standalone($0)) })
            let order: (String, String) -> Bool = { a, b in scores[a]! != scores[b]! ? scores[a]! < scores[b]! : a < b }
            ranked[need.sku] = whole.filter { scores[$0]!.isFinite }.sorted(by: order)
            if ranked[need.sku]!.isEmpty {
                // Nobody has the whole quantity: fill from the best per unit down.
                var left = need.quantity
                var parts: [Part] = []
                for supplier in all.filter({ scores[$0]!.isFinite }).sorted(by: order) where left > 0 {
                    let take = min(left, context.usable(supplier, need.sku))
                    if take > 0 { parts.append(Part(supplier: supplier, sku: need.sku, quantity: take)); left -= take }
                }
                if left > 0 { return [] }
                ranked[need.sku] = []
                spread[need.sku] = parts
            }
        }
        // 1. One supplier for everything.
        let everyone = Set(needs.flatMap { ranked[$0.sku] ?? [] })
        for supplier in everyone.sorted() where needs.allSatisfy({ ranked[$0.sku]?.contains(supplier) ?? false }) {
            assignments.append(needs.map { Part(supplier: supplier, sku: $0.sku, quantity: $0.quantity) })
        }
        // 2. and 3. The best, or one of the two best, per line.
        func parts(_ need: Need, _ supplier: String?) -> [Part] {
            if let supplier { return [Part(supplier: supplier, sku: need.sku, quantity: need.quantity)] }
            return spread[need.sku] ?? []
        }
        let choices: [[String?]] = needs.map { need in
            let top = ranked[need.sku] ?? []
            return top.isEmpty ? [nil] : Array(top.prefix(needs.count <= 4 ? 2 : 1)).map { Optional($0) }
        }
        var combination = Array(repeating: 0, count: needs.count)
        while true {
            assignments.append(needs.indices.flatMap { parts(needs[$0], choices[$0][combination[$0]]) })
            var i = needs.count - 1
            while i >= 0 && combination[i] == choices[i].count - 1 { combination[i] = 0; i -= 1 }
            if i < 0 { break }
            combination[i] += 1
        }
        return assignments
    }
}
