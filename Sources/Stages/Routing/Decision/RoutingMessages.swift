import DropflowContract
import DropflowCore
import DropflowJSON
import Foundation

/// The contract messages of a routing decision: the `routing-decision` with its window, costs and
/// explanation, one `purchase-order` per chosen supplier, and, for an order that must wait, the
/// `review-case` that tells a person why.
public enum RoutingMessages {
    /// Names the lead-time model in every explanation: stated figures as log-normal priors,
    /// updated from purchase orders, suppliers' answers and parcels' tracking.
    public static let model = "learned-lognormal/2"

    /// The decision for `order`, revision `revision`, made at `seconds` (event time). Each
    /// assignment's window is the model's band at ``RoutingConfig/windowConfidence`` (what the
    /// calibration later reads back); the order's window is the promise, recalibrated by
    /// `calibration` (``CalibratedWindow``) and at most the shipping option's maximum width.
    public static func decision(order: OrderPlaced, chosen: RoutingPlan, ranked: [RoutingPlan], binding: String?, revision: Int,
                                rerouteReason: String? = nil, at seconds: Int64, config: RoutingConfig,
                                calibration: WindowCalibration? = nil) -> RoutingDecision {
        let currency = order.currency
        let assignments = chosen.shipments.map { shipment in
            RoutingDecision.Assignment(
                supplierID: shipment.supplierID, skus: shipment.lines.map(\.sku), carrier: shipment.lane.carrier,
                cost: money(shipment.landedCost),
                deliveryWindow: window(OrderLeadTime([shipment.leadTime]), from: seconds, confidence: config.windowConfidence),
                serviceLevel: shipment.lane.level,
                lines: shipment.lines.map { RoutingDecision.Assignment.Line(sku: $0.sku, quantity: $0.quantity) })
        }
        let promised = promisedWindow(order: order, chosen: chosen, at: seconds, config: config, calibration: calibration)
        var explained = explanation(order: order, chosen: chosen, ranked: ranked, binding: binding, at: seconds, config: config)
        explained.summary += "; " + windowNote(promised, order: order, config: config)
        explained.unknownMembers["window"] = [
            "target_coverage": .double(config.windowCoverage), "expected_coverage": .double(rounded(promised.confidence)),
            "calibration_deliveries": .integer(Int64(promised.samples)), "capped": .bool(promised.capped),
            "max_width_days": config.maxWindowDays[order.shippingOption ?? .standard].map { .double($0) } ?? .null,
        ]
        return RoutingDecision(
            orderID: order.orderID, revision: revision, rerouteReason: rerouteReason, assignments: assignments,
            deliveryWindow: promised.deliveryWindow(from: seconds),
            totalCost: money(chosen.landedCost), expectedMargin: money(order.revenue - chosen.landedCost), currency: currency,
            explanation: explained,
            at: DateTimeFormat.format(epochSeconds: seconds))
    }

    /// The order's promised window: ``RoutingConfig/windowCoverage`` of deliveries, recalibrated
    /// by the recent deliveries of the chosen service level, at most the option's maximum width.
    static func promisedWindow(order: OrderPlaced, chosen: RoutingPlan, at seconds: Int64, config: RoutingConfig,
                               calibration: WindowCalibration?) -> CalibratedWindow {
        // The last shipment to arrive decides the window: its level's deliveries calibrate it.
        let level = chosen.shipments.max { $0.leadTime.meanDays < $1.leadTime.meanDays }?.lane.level ?? .standard
        return CalibratedWindow.make(chosen.leadTime, band: config.windowConfidence, coverage: config.windowCoverage,
                                     scores: calibration?.scores(level.rawValue, at: seconds),
                                     maxWidth: config.maxWindowDays[order.shippingOption ?? .standard])
    }

    /// What the explanation says of the window: how it was calibrated, and what a cap gave up.
    static func windowNote(_ window: CalibratedWindow, order: OrderPlaced, config: RoutingConfig) -> String {
        var note = "window \(Format.days(window.earliest))–\(Format.days(window.latest)) days for \(Format.percent(config.windowCoverage)) of deliveries"
        note += window.samples > 0 ? ", calibrated on \(window.samples) recent deliveries" : " (the model's own quantiles: too few deliveries to calibrate on yet)"
        if window.capped {
            note += "; narrowed to the \((order.shippingOption ?? .standard).rawValue) maximum of \(Format.days(window.width)) days, "
                + "which holds \(Format.percent(window.confidence))"
        }
        return note
    }

    /// One purchase order per shipment of `plan`.
    public static func purchaseOrders(order: OrderPlaced, plan: RoutingPlan, revision: Int, at seconds: Int64) -> [PurchaseOrder] {
        plan.shipments.map { shipment in
            PurchaseOrder(
                purchaseOrderID: purchaseOrderID(orderID: order.orderID, supplierID: shipment.supplierID, revision: revision),
                orderID: order.orderID, supplierID: shipment.supplierID, revision: revision,
                lines: shipment.lines.map { PurchaseOrder.Line(sku: $0.sku, quantity: $0.quantity, unitCost: $0.offeredUnitCost) },
                carrier: shipment.lane.carrier, shipTo: order.shippingAddress,
                shipBy: DateTimeFormat.format(epochSeconds: seconds + Int64(shipment.leadTime.handling.p90 * 86_400)),
                at: DateTimeFormat.format(epochSeconds: seconds), action: .place)
        }
    }

    /// `po-<order>-<supplier>-<revision>`; a hash of it when that would pass the contract's 128
    /// characters.
    public static func purchaseOrderID(orderID: String, supplierID: String, revision: Int) -> String {
        let plain = "po-\(orderID)-\(supplierID)-\(revision)"
        if plain.utf8.count <= 128 { return plain }
        return "po-" + FNV1a.hash(Array(plain.utf8)).description + "-\(revision)"
    }

    /// The case a person sees for an order nothing can fill now.
    public static func reviewCase(order: OrderPlaced, reasons: [HoldReason], at seconds: Int64) -> ReviewCase {
        let value = order.payment.amount ?? money(order.goodsValue)
        return ReviewCase(orderID: order.orderID, stage: "routing",
                          reasons: reasons.map { Reason(code: $0.code, detail: $0.detail) }, orderValue: value,
                          currency: order.currency, at: DateTimeFormat.format(epochSeconds: seconds))
    }

    /// The rejection of a held order a person declined.
    public static func rejection(orderID: String, decision: ReviewDecision, at seconds: Int64) -> OrderRejected {
        let note = decision.note.map { ": " + $0 } ?? ""
        return OrderRejected(orderID: orderID, stage: .review,
                             reasons: [Reason(code: "declined_by_reviewer", detail: "declined by \(decision.reviewer) while held by routing" + note)],
                             at: DateTimeFormat.format(epochSeconds: seconds))
    }

    // MARK: Pieces

    /// The window covering the middle `confidence` of `leadTime`, from `seconds`.
    static func window(_ leadTime: OrderLeadTime, from seconds: Int64, confidence: Double) -> DeliveryWindow {
        let tail = (1 - confidence) / 2
        let earliest = leadTime.quantile(tail), latest = leadTime.quantile(1 - tail)
        return DeliveryWindow(earliest: DateTimeFormat.format(epochSeconds: seconds + Int64((earliest * 86_400).rounded())),
                              latest: DateTimeFormat.format(epochSeconds: seconds + Int64((latest * 86_400).rounded())),
                              confidence: confidence)
    }

    /// A money string with two decimals.
    static func money(_ amount: Double) -> String {
        let cents = (amount * 100).rounded()
        let sign = cents < 0 ? "-" : ""
        let absolute = Int64(abs(cents))
        return sign + String(absolute / 100) + "." + (absolute % 100 < 10 ? "0" : "") + String(absolute % 100)
    }

    static func explanation(order: OrderPlaced, chosen: RoutingPlan, ranked: [RoutingPlan], binding: String?, at seconds: Int64,
                            config: RoutingConfig) -> RoutingDecision.Explanation {
        let currency = order.currency
        let option = order.shippingOption ?? .standard
        let promise = config.promiseDays[option] ?? 9
        let lines = chosen.shipments.map { s in
            "\(s.supplierID) (\(s.lines.map { "\($0.quantity)× \($0.sku)" }.joined(separator: ", "))) by \(s.lane.carrier) \(s.lane.level.rawValue)"
                + (s.lane.estimated ? ", cost and transit estimated (no published rate)" : "")
        }
        var summary = lines.joined(separator: "; ") + ": landed \(money(chosen.landedCost)) \(currency), "
            + "\(Format.percent(chosen.onTime)) likely by the \(option.rawValue) promise (\(Format.days(promise)) days), "
            + "model \(Format.days(chosen.leadTime.quantile((1 - config.windowConfidence) / 2)))–\(Format.days(chosen.leadTime.quantile((1 + config.windowConfidence) / 2))) days"
        let others = ranked.filter { $0 != chosen }
        if let runnerUp = others.first {
            summary += "; runner-up \(runnerUp.name) " + lostBy(runnerUp, to: chosen, currency: currency)
        } else {
            summary += "; no other supplier could ship it"
        }
        if let binding { summary += "; binding: " + binding }
        for note in learnedNotes(chosen) + (others.first.map(learnedNotes) ?? []) { summary += "; " + note }
        var members: [String: JSONValue] = [
            "model": .string(model), "config_version": .string("routing-config/" + config.version),
            "priority": .string((order.merchantPriority ?? .balanced).rawValue), "promise_days": .double(promise),
        ]
        if let binding { members["binding_constraint"] = .string(binding) }
        return RoutingDecision.Explanation(
            summary: summary,
            scores: ([chosen] + others.prefix(5)).map { scoreJSON($0, currency: currency) },
            alternatives: others.prefix(3).map { plan in
                ["plan": .string(plan.name), "score_difference": .double(rounded(plan.score - chosen.score)),
                 "why": .string(lostBy(plan, to: chosen, currency: currency))]
            },
            unknownMembers: members)
    }

    /// What the events taught that the feeds did not say, for each shipment of `plan` whose
    /// learned handling or transit contradicts the stated figure.
    static func learnedNotes(_ plan: RoutingPlan) -> [String] {
        plan.shipments.flatMap { s -> [String] in
            var notes: [String] = []
            if s.handling.contradictsPrior {
                notes.append("\(s.supplierID) handles in \(Format.days(s.handling.days.median)) days (median of \(s.handling.observations) orders), "
                             + "not the \(Format.days(s.handling.prior.median)) its feed states")
            }
            for (carrier, health) in s.degradedLanes.sorted(by: { $0.key < $1.key }) {
                notes.append("\(carrier) \(s.origin)→\(s.lane.destination) is degraded: "
                             + "\(Int(health.exceptions.rounded())) exceptions on about \(Int(max(health.pickups, health.exceptions).rounded())) "
                             + "recent parcels" + (health.lastDetail.map { " (\($0))" } ?? "") + ", transit counted slower")
            }
            for line in s.lines {
                guard let odds = s.stock[line.sku] else { continue }
                let p = odds.probability(line.quantity)
                guard odds.reserved > 0 || p < 0.95 else { continue }
                var note = "\(s.supplierID) \(line.sku): \(odds.stated) stated"
                if odds.reserved > 0 { note += ", \(odds.reserved) held by orders in flight" }
                if odds.expectedDemand >= 0.05 { note += ", about \(Format.days(odds.expectedDemand)) sold since its feed counted" }
                notes.append(note + ": \(Format.percent(p)) likely in stock for \(line.quantity)")
            }
            if s.transit.contradictsPrior {
                notes.append("\(s.lane.carrier) \(s.origin)→\(s.lane.destination) takes \(Format.days(s.transit.days.median)) days "
                             + "(median of \(s.transit.observations) parcels), not the \(Format.days(s.transit.prior.median)) stated")
            }
            return notes
        }
    }

    /// Why `plan` lost to `chosen`: the score gap and the part that made most of it.
    static func lostBy(_ plan: RoutingPlan, to chosen: RoutingPlan, currency: String) -> String {
        let gaps: [(String, Double)] = [
            ("costs \(money(plan.landedCost - chosen.landedCost)) \(currency) more landed", plan.costPart - chosen.costPart),
            ("less likely on time (\(Format.percent(plan.onTime)) against \(Format.percent(chosen.onTime)))", plan.latenessPart - chosen.latenessPart),
            ("less likely to be filled (\(Format.percent(plan.fillProbability)) against \(Format.percent(chosen.fillProbability)))",
             plan.riskPart - chosen.riskPart),
            ("slower (\(Format.days(plan.meanDays)) days on average against \(Format.days(chosen.meanDays)))", plan.speedPart - chosen.speedPart),
            ("its window less likely to hold", plan.windowPart - chosen.windowPart),
        ]
        let main = gaps.max { $0.1 < $1.1 }!
        let gap = plan.score - chosen.score
        if gap < 0 { return "scored \(money(-gap)) lower but does not keep the promise as surely" }
        return "scored \(money(gap)) more: " + main.0
    }

    static func scoreJSON(_ plan: RoutingPlan, currency: String) -> JSONValue {
        [
            "plan": .string(plan.name),
            "shipments": .array(plan.shipments.map { s in
                ["supplier_id": .string(s.supplierID), "carrier": .string(s.lane.carrier), "service_level": .string(s.lane.level.rawValue),
                 "origin": .string(s.origin), "goods": .string(money(s.goods)), "shipping": .string(money(s.shipping)),
                 "duties": .string(money(s.duties)), "weight_grams": .integer(Int64(s.grams)),
                 "handling_days_p50": .double(rounded(s.leadTime.handling.median)),
                 "handling_days_stated_p50": .double(rounded(s.handling.prior.median)),
                 "handling_observations": .integer(Int64(s.handling.observations)),
                 "transit_days_p50": .double(rounded(s.transit.days.median)),
                 "transit_days_stated_p50": .double(rounded(s.transit.prior.median)),
                 "transit_observations": .integer(Int64(s.transit.observations)), "lane_estimated": .bool(s.lane.estimated),
                 "lane_degraded": .bool(s.laneDegraded),
                 "supplier_status": .string(s.status.rawValue), "fill_rate": .double(rounded(s.fillRate)),
                 "in_stock_probability": .double(rounded(s.inStock)),
                 "reserved_units": .integer(Int64(s.stock.values.reduce(0) { $0 + $1.reserved }))]
            }),
            "landed_cost": .string(money(plan.landedCost)), "currency": .string(currency),
            "on_time_probability": .double(rounded(plan.onTime)), "mean_days": .double(rounded(plan.meanDays)),
            "fill_probability": .double(rounded(plan.fillProbability)),
            "parts": ["cost": .double(rounded(plan.costPart)), "lateness": .double(rounded(plan.latenessPart)),
                      "risk": .double(rounded(plan.riskPart)), "speed": .double(rounded(plan.speedPart)),
                      "window": .double(rounded(plan.windowPart))],
            "score": .double(rounded(plan.score)),
        ]
    }

    static func rounded(_ x: Double) -> Double { (x * 1_000).rounded() / 1_000 }
}

/// Numbers as explanations print them.
enum Format {
    /// `86%`.
    static func percent(_ p: Double) -> String { String(Int((p * 100).rounded())) + "%" }
    /// `4.5`, `9`.
    static func days(_ d: Double) -> String {
        let r = (d * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}
