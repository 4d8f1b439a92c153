import DropflowCore
import DropflowJSON
import DropflowContract

/// How often customers write and return things. Rates are per order, per parcel or per line
/// as stated; every one can be changed.
public struct ReactionRates: Sendable, Hashable {
    /// Base probability that a delivered line is returned (on time, undamaged), by product
    /// category; ``defaultReturnRate`` for categories not listed.
    public var returnRateByCategory: [String: Double] = [
        "apparel": 0.20, "shoes": 0.22, "electronics": 0.065, "sports": 0.05, "home": 0.04, "kitchen": 0.035,
        "toys": 0.035, "beauty": 0.03, "pets": 0.03, "gift_cards": 0,
    ]
    public var defaultReturnRate = 0.035
    /// Extra return probability per line of a parcel delivered late (reason `arrived_late`).
    public var lateReturnBoost = 0.06
    /// Probability that the damaged line of a damaged parcel is returned (`damaged_in_transit`).
    public var damagedReturnRate = 0.75
    /// Probability that a damaged parcel also gets a `damaged_item` inquiry.
    public var damagedInquiryRate = 0.5
    /// Probability that a `wrong_item` return is preceded by a `wrong_item` inquiry.
    public var wrongItemInquiryRate = 0.5
    /// Probability that a returner first asks about the return policy.
    public var returnPolicyQuestionRate = 0.15
    /// Per order: a cancel request within hours of placement.
    public var cancelRequestRate = 0.012
    /// Per order: a change-of-address request within hours of placement.
    public var changeAddressRate = 0.008
    /// Days after placement after which a customer whose order has not shipped may ask.
    public var preShipmentPatienceDays = 5.0
    /// Probability of that pre-shipment `where_is_my_order`.
    public var preShipmentInquiryRate = 0.15
    /// Probability of a `where_is_my_order` for a lost (or returned-to-sender) parcel.
    public var lostInquiryRate = 0.85
    /// A customs hold at least this long (days) ...
    public var longCustomsHoldDays = 3.0
    /// ... leads to a `where_is_my_order` with this probability.
    public var customsHoldInquiryRate = 0.5
    /// Probability of a `where_is_my_order` for a parcel late against the promise.
    public var lateInquiryRate = 0.25
    /// Probability of a `where_is_my_order` for a parcel on time.
    public var onTimeInquiryRate = 0.02
    /// Per parcel: a `delivery_date_question` while it travels.
    public var deliveryDateQuestionRate = 0.04
    /// Per parcel: an `other` question.
    public var otherInquiryRate = 0.01
    /// Probability that a friendly fraudster claims non-receipt of a delivered parcel.
    public var friendlyFraudClaimRate = 0.9
    /// Probability that the owner of a taken-over account writes that they did not order.
    public var accountTakeoverComplaintRate = 0.4
    /// Days from placement the customer expects delivery within, by shipping option.
    public var promisedDays: [String: Double] = ["economy": 16, "standard": 9, "express": 5]

    public init() {}

    /// The base return probability of a line of `category`.
    public func returnRate(category: String) -> Double {
        returnRateByCategory[category] ?? defaultReturnRate
    }

    /// Reasons of an ordinary return (not late, not damaged) of a line of `category`.
    public func reasonWeights(category: String) -> [(ReturnCategory, Double)] {
        switch category {
        case "apparel", "shoes":
            return [(.wrongSize, 0.45), (.changedMind, 0.25), (.notAsDescribed, 0.15), (.defective, 0.08), (.wrongItem, 0.07)]
        case "sports":
            return [(.wrongSize, 0.25), (.changedMind, 0.3), (.defective, 0.2), (.notAsDescribed, 0.15), (.wrongItem, 0.1)]
        case "electronics":
            return [(.defective, 0.45), (.changedMind, 0.2), (.notAsDescribed, 0.2), (.wrongItem, 0.15)]
        default:
            return [(.changedMind, 0.4), (.defective, 0.25), (.notAsDescribed, 0.2), (.wrongItem, 0.15)]
        }
    }
}

/// What the world remembers of an order to react to it: small, and built from its
/// `orders.placed` record.
public struct OrderFacts: Sendable, Hashable {
    public struct Line: Sendable, Hashable {
        public let sku: String
        public let quantity: Int
        public let category: String
        public let title: String
        public let unitPrice: String
        public init(sku: String, quantity: Int, category: String, title: String, unitPrice: String) {
            self.sku = sku
            self.quantity = quantity
            self.category = category
            self.title = title
            self.unitPrice = unitPrice
        }
    }

    public let orderID: String
    public let customerID: String
    /// The customer's BCP 47 tag, if the order gave one.
    public let language: String?
    public let lines: [Line]
    public let placedAt: SimInstant
    public let shippingOption: String
    /// The truth's pattern: `legit` or a ``FraudPattern`` raw value.
    public let pattern: String

    public init(orderID: String, customerID: String, language: String?, lines: [Line], placedAt: SimInstant,
                shippingOption: String, pattern: String) {
        self.orderID = orderID
        self.customerID = customerID
        self.language = language
        self.lines = lines
        self.placedAt = placedAt
        self.shippingOption = shippingOption
        self.pattern = pattern
    }

    /// The facts of an `orders.placed` record (nil for other records or a malformed value).
    public init?(orderRecord record: SimRecord) {
        guard record.topic == SimRecord.Topic.ordersPlaced, let v = record.value, let id = v["order_id"]?.stringValue,
              let customer = v["customer"]?["id"]?.stringValue,
              let placed = v["placed_at"]?.stringValue.flatMap(SimInstant.init(rfc3339:)),
              let lines = v["lines"]?.arrayValue else { return nil }
        self.init(orderID: id, customerID: customer, language: v["customer"]?["language"]?.stringValue,
                  lines: lines.compactMap { l in
                      guard let sku = l["sku"]?.stringValue else { return nil }
                      return Line(sku: sku, quantity: l["quantity"]?.intValue ?? 1, category: l["category"]?.stringValue ?? "other",
                                  title: l["title"]?.stringValue ?? sku, unitPrice: l["unit_price"]?.stringValue ?? "0.00")
                  },
                  placedAt: placed, shippingOption: v["shipping_option"]?.stringValue ?? "standard",
                  pattern: record.truth?["pattern"]?.stringValue ?? "legit")
    }

    /// Fraudsters (card testers, stolen cards, rings) never write or return anything.
    var silent: Bool {
        pattern == FraudPattern.cardTesting.rawValue || pattern == FraudPattern.stolenCard.rawValue
            || pattern == FraudPattern.fraudRing.rawValue
    }
}

/// Customers' `support.inquiries` and `returns.requested`, as pure functions of the order's
/// facts, what happened to it, and the run's seed (each from its own random stream).
public struct CustomerReactions: Sendable {
    public let seed: UInt64
    public let rates: ReactionRates

    public init(seed: UInt64, rates: ReactionRates = ReactionRates()) {
        self.seed = seed
        self.rates = rates
    }

    public init(world: World, rates: ReactionRates = ReactionRates()) {
        self.init(seed: world.config.seed, rates: rates)
    }

    /// Within hours of placement: cancel and change-of-address requests; for a taken-over
    /// account, days later, the owner's "I did not place this order".
    public func afterPlacement(_ order: OrderFacts) -> [SimRecord] {
        guard !order.silent else { return [] }
        var rng = SimRandom(seed: seed, stream: "reactions/placed/" + order.orderID)
        var out: [SimRecord] = []
        let title = order.lines.first?.title ?? ""
        if order.pattern == FraudPattern.accountTakeover.rawValue {
            if rng.chance(rates.accountTakeoverComplaintRate) {
                let at = order.placedAt + .days(rng.uniform(0.5, 6))
                let lang = CustomerText.language(for: order.language)
                let text = CustomerText.notMyOrder(orderID: order.orderID, title: title, language: lang, &rng)
                out.append(inquiry(order, id: "inq-" + order.orderID + "-ato", intent: .other, text: text, language: lang, at: at,
                                   cause: "account_takeover_owner", &rng))
            }
            return out
        }
        if rng.chance(rates.cancelRequestRate) {
            out.append(makeInquiry(order, id: "inq-" + order.orderID + "-c", intent: .cancelOrder, title: title, days: 0,
                                   at: order.placedAt + .hours(rng.uniform(0.2, 6)), cause: "second_thoughts", &rng))
        }
        if rng.chance(rates.changeAddressRate) {
            out.append(makeInquiry(order, id: "inq-" + order.orderID + "-a", intent: .changeAddress, title: title, days: 0,
                                   at: order.placedAt + .hours(rng.uniform(0.2, 8)), cause: "wrong_address_entered", &rng))
        }
        return out.sorted { $0.at < $1.at }
    }

    /// A `where_is_my_order` when the supplier `supplierID` has not shipped (nil: never ships)
    /// some days after placement.
    public func beforeShipment(_ order: OrderFacts, supplierID: String, shippedAt: SimInstant?) -> [SimRecord] {
        guard !order.silent else { return [] }
        var rng = SimRandom(seed: seed, stream: "reactions/wait/" + order.orderID + "/" + supplierID)
        let patience = order.placedAt + .days(rates.preShipmentPatienceDays * rng.uniform(0.8, 1.4))
        guard shippedAt.map({ $0 > patience }) ?? true, rng.chance(rates.preShipmentInquiryRate) else { return [] }
        let at = patience
        let days = Int((at - order.placedAt).days)
        return [makeInquiry(order, id: "inq-" + order.orderID + "-" + supplierID + "-w", intent: .whereIsMyOrder,
                            title: order.lines.first?.title ?? "", days: days, at: at, cause: "not_shipped", &rng)]
    }

    /// Inquiries and returns about one parcel carrying `skus` of the order.
    public func afterShipment(_ order: OrderFacts, skus: [String], journey: ParcelJourney, trackingNumber: String) -> [SimRecord] {
        guard !order.silent else { return [] }
        var rng = SimRandom(seed: seed, stream: "reactions/parcel/" + order.orderID + "/" + trackingNumber)
        let lines = order.lines.filter { skus.contains($0.sku) }
        guard !lines.isEmpty else { return [] }
        var out: [SimRecord] = []
        let idBase = order.orderID + "-" + trackingNumber
        var n = 0
        func nextID(_ prefix: String) -> String {
            n += 1
            return prefix + idBase + "-" + String(n)
        }
        let title = lines[0].title
        let promise = order.placedAt + .days(rates.promisedDays[order.shippingOption] ?? 9)
        let lateDays = journey.deliveredAt.map { ($0 - promise).days } ?? 0
        let late = lateDays > 0.5
        let arrivedOrEnded = journey.deliveredAt ?? journey.endedAt
        func daysSincePlaced(_ t: SimInstant) -> Int { max(1, Int((t - order.placedAt).days)) }

        // While it travels: one where-is-my-order at most, for its most pressing cause.
        if journey.outcome == .lost || journey.outcome == .returnedToSender {
            if rng.chance(rates.lostInquiryRate) {
                let at = max(promise, journey.pickedUpAt + .days(journey.transitDays * 0.6)) + .days(rng.uniform(0.5, 5))
                out.append(makeInquiry(order, id: nextID("inq-"), intent: .whereIsMyOrder, title: title, days: daysSincePlaced(at),
                                       at: at, cause: journey.outcome == .lost ? "parcel_lost" : "returned_to_sender", &rng))
            }
        } else if let holdAt = journey.customsHoldAt, journey.customsHoldDays >= rates.longCustomsHoldDays,
                  rng.chance(rates.customsHoldInquiryRate) {
            let at = holdAt + .days(rng.uniform(1, journey.customsHoldDays))
            out.append(makeInquiry(order, id: nextID("inq-"), intent: .whereIsMyOrder, title: title, days: daysSincePlaced(at),
                                   at: at, cause: "customs_hold", &rng))
        } else if late, rng.chance(rates.lateInquiryRate) {
            let at = promise + .days(rng.uniform(0.2, min(3, lateDays)))
            out.append(makeInquiry(order, id: nextID("inq-"), intent: .whereIsMyOrder, title: title, days: daysSincePlaced(at),
                                   at: at, cause: "late", &rng))
        } else if rng.chance(rates.onTimeInquiryRate) {
            let at = journey.pickedUpAt + (arrivedOrEnded - journey.pickedUpAt) * rng.uniform(0.3, 0.9)
            out.append(makeInquiry(order, id: nextID("inq-"), intent: .whereIsMyOrder, title: title, days: daysSincePlaced(at),
                                   at: at, cause: "impatient", &rng))
        }
        if rng.chance(rates.deliveryDateQuestionRate) {
            let at = journey.shippedAt + (arrivedOrEnded - journey.shippedAt) * rng.uniform(0.1, 0.7)
            out.append(makeInquiry(order, id: nextID("inq-"), intent: .deliveryDateQuestion, title: title,
                                   days: Int(rng.uniform(2, 7)), at: at, cause: "planning", &rng))
        }
        if rng.chance(rates.otherInquiryRate) {
            let at = order.placedAt + (arrivedOrEnded + .days(5) - order.placedAt) * rng.uniform(0, 1)
            out.append(makeInquiry(order, id: nextID("inq-"), intent: .other, title: title, days: 0, at: at, cause: "other", &rng))
        }
        guard let delivered = journey.deliveredAt else { return out.sorted { $0.at < $1.at } }

        // Friendly fraud: the parcel arrived; the buyer says it did not. No returns.
        if order.pattern == FraudPattern.friendlyFraud.rawValue {
            if rng.chance(rates.friendlyFraudClaimRate) {
                let at = delivered + .days(rng.uniform(1, 12))
                let lang = CustomerText.language(for: order.language)
                let text = CustomerText.nonReceiptClaim(orderID: order.orderID, title: title, days: daysSincePlaced(at),
                                                        language: lang, &rng)
                out.append(inquiry(order, id: nextID("inq-"), intent: .whereIsMyOrder, text: text, language: lang, at: at,
                                   cause: "friendly_fraud", extra: ["claim": "non_receipt", "claim_true": false,
                                                                    "delivered_at": .string(delivered.rfc3339)], &rng))
            }
            return out.sorted { $0.at < $1.at }
        }

        // Returns: each line, for one reason at most.
        let damagedLine = journey.damaged ? rng.int(below: lines.count) : -1
        if journey.damaged && rng.chance(rates.damagedInquiryRate) {
            out.append(makeInquiry(order, id: nextID("inq-"), intent: .damagedItem, title: lines[max(0, damagedLine)].title,
                                   days: 0, at: delivered + .hours(rng.uniform(1, 30)), cause: "damaged_in_transit", &rng))
        }
        var returned: [(line: OrderFacts.Line, category: ReturnCategory, at: SimInstant)] = []
        for (i, line) in lines.enumerated() {
            if i == damagedLine {
                if rng.chance(rates.damagedReturnRate) {
                    returned.append((line, .damagedInTransit, delivered + .hours(rng.uniform(2, 72))))
                }
                continue
            }
            if late && rng.chance(rates.lateReturnBoost) {
                returned.append((line, .arrivedLate, delivered + .days(rng.uniform(0.3, 5))))
            } else if rng.chance(rates.returnRate(category: line.category)) {
                let weights = rates.reasonWeights(category: line.category)
                let category = weights[rng.weightedIndex(weights.map(\.1))].0
                let at: SimInstant
                switch category {
                case .wrongItem, .notAsDescribed: at = delivered + .days(rng.uniform(0.2, 4))
                case .defective: at = delivered + .days(rng.uniform(1, 25))
                default: at = delivered + .days(rng.uniform(1, 20))
                }
                returned.append((line, category, at))
            }
        }
        // One return request per reason, at its earliest line's time.
        for category in ReturnCategory.allCases {
            let group = returned.filter { $0.category == category }
            guard let first = group.map(\.at).min() else { continue }
            if category == .wrongItem && rng.chance(rates.wrongItemInquiryRate) {
                out.append(makeInquiry(order, id: nextID("inq-"), intent: .wrongItem, title: group[0].line.title, days: 0,
                                       at: first - .hours(rng.uniform(2, 12)), cause: "wrong_item", &rng))
            }
            if rng.chance(rates.returnPolicyQuestionRate) {
                out.append(makeInquiry(order, id: nextID("inq-"), intent: .returnPolicy, title: group[0].line.title, days: 0,
                                       at: max(delivered, first - .hours(rng.uniform(3, 48))), cause: "before_return", &rng))
            }
            out.append(returnRecord(order, id: nextID("ret-"), group.map { ($0.line, $0.category) }, at: first, delivered: delivered,
                                    lateDays: lateDays, &rng))
        }
        return out.enumerated().sorted { $0.element.at != $1.element.at ? $0.element.at < $1.element.at : $0.offset < $1.offset }
            .map(\.element)
    }

    // MARK: - Records

    static let channels = ["email", "chat", "sms", "phone", "other"]
    static let channelWeights = [0.5, 0.33, 0.06, 0.06, 0.05]

    func makeInquiry(_ order: OrderFacts, id: String, intent: InquiryIntent, title: String, days: Int, at: SimInstant,
                     cause: String, _ rng: inout SimRandom) -> SimRecord {
        let lang = CustomerText.language(for: order.language)
        let text = CustomerText.inquiry(intent, orderID: order.orderID, title: title, days: days, language: lang, &rng)
        return inquiry(order, id: id, intent: intent, text: text, language: lang, at: at, cause: cause, &rng)
    }

    func inquiry(_ order: OrderFacts, id: String, intent: InquiryIntent, text: String, language: String, at: SimInstant,
                 cause: String, extra: [String: JSONValue] = [:], _ rng: inout SimRandom) -> SimRecord {
        // The tag the customer's client sends: theirs when the text is in their language.
        let tag = order.language.map { CustomerText.language(for: $0) == language && $0.lowercased().hasPrefix(language) } == true
            ? order.language! : language
        let value: JSONValue = [
            "inquiry_id": .string(id), "customer_id": .string(order.customerID), "order_id": .string(order.orderID),
            "channel": .string(Self.channels[rng.weightedIndex(Self.channelWeights)]), "text": .string(text),
            "language": .string(tag), "at": .string(at.rfc3339),
        ]
        var truth: [String: JSONValue] = [
            "kind": "inquiry", "intent": .string(intent.rawValue), "cause": .string(cause), "text_language": .string(language),
            "pattern": .string(order.pattern),
        ]
        for (k, v) in extra { truth[k] = v }
        return SimRecord(topic: SimRecord.Topic.supportInquiries, key: order.orderID, value: value, truth: .object(truth), at: at)
    }

    func returnRecord(_ order: OrderFacts, id: String, _ lines: [(OrderFacts.Line, ReturnCategory)], at: SimInstant,
                      delivered: SimInstant, lateDays: Double, _ rng: inout SimRandom) -> SimRecord {
        let lang = CustomerText.language(for: order.language)
        var values: [JSONValue] = []
        var truths: [JSONValue] = []
        for (line, category) in lines {
            let days: Int
            switch category {
            case .arrivedLate: days = max(1, Int(lateDays.rounded()))
            default: days = max(1, Int((at - delivered).days.rounded()))
            }
            let condition = CustomerText.condition(for: category, &rng)
            let quantity = line.quantity > 1 && category == .changedMind && rng.chance(0.5) ? 1 : line.quantity
            var v: [String: JSONValue] = [
                "sku": .string(line.sku), "quantity": .integer(Int64(quantity)), "condition": .string(condition),
                "reason_text": .string(CustomerText.returnReason(category, orderID: order.orderID, title: line.title, days: days,
                                                                 language: lang, &rng)),
            ]
            if rng.chance(0.1) { v["reason_code"] = .string(category.rawValue) }
            values.append(.object(v))
            truths.append(["sku": .string(line.sku), "category": .string(category.rawValue), "condition": .string(condition),
                           "product_category": .string(line.category)])
        }
        let value: JSONValue = [
            "return_id": .string(id), "order_id": .string(order.orderID), "lines": .array(values),
            "requested_at": .string(at.rfc3339),
        ]
        let truth: JSONValue = [
            "kind": "return", "category": .string(lines[0].1.rawValue), "condition": truths[0]["condition"]!,
            "lines": .array(truths), "text_language": .string(lang), "pattern": .string(order.pattern),
            "delivered_at": .string(delivered.rfc3339), "late_days": .double(max(0, lateDays)),
        ]
        return SimRecord(topic: SimRecord.Topic.returnsRequested, key: order.orderID, value: value, truth: truth, at: at)
    }
}
