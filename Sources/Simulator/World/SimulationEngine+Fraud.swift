/// What the orders of one fraud incident share.
struct FraudIncident {
    let id: String
    let pattern: FraudPattern
    /// The account placing the orders (a fresh one per order when nil).
    var account: Customer?
    /// Addresses the orders ship to.
    var addresses: [PostalAddress] = []
    /// The address the card is registered to (stolen card).
    var billing: PostalAddress?
    /// Devices: IP and its country.
    var devices: [(ip: String, country: String)] = []
    /// Cards used (ring, stolen card); card testing draws a new card of `bin` per order.
    var cards: [PaymentCard] = []
    var bin: PaymentCard?
    /// A phone number the ring's accounts share.
    var phone: String?
    /// The mail domain and local-part stem of the ring's accounts.
    var emailDomain = ""
    var emailStem = ""
}

/// Fraud with labels: card testing, stolen cards, account takeover, friendly fraud and rings.
/// The label goes to the record's truth; the value only shows what a storefront would see.
extension SimulationEngine {
    /// Payment methods whose charges can be disputed.
    static let disputable: Set<String> = ["card", "paypal", "wallet"]

    /// Mail domains of throwaway accounts (reserved `.example` names).
    static let disposableDomains = ["quickmail.example", "tempbox.example", "mailnow.example"]

    /// Starts an incident of `pattern` at `t`; returns its first order and schedules the others.
    func startIncident(_ pattern: FraudPattern, at t: SimInstant) -> SimRecord {
        let id = "inc-" + Catalogue.padded(incidents.count + 1, width: 6)
        var incident = FraudIncident(id: id, pattern: pattern)
        switch pattern {
        case .cardTesting:
            var account = customers.makeCustomer(createdAt: t - .minutes(fraudRNG.uniform(1, 30)), &fraudRNG)
            account.email = randomLocalPart() + "@" + fraudRNG.element(of: Self.disposableDomains)
            incident.account = fraudRNG.chance(0.5) ? account : nil
            incident.addresses = [account.address]
            let victimCountry = Geography.countries[world.customerCountries.draw(&fraudRNG)]
            incident.bin = PaymentCard.random(issuedIn: victimCountry, &fraudRNG)
            incident.devices = [fraudDevice(near: account.country)]
            var next = t
            for _ in 1..<fraudRNG.int(in: config.fraud.cardTestingBurst) {
                next = next + .seconds(Int64(fraudRNG.exponential(rate: 1 / 40.0)) + 1)
                queue.push(.incidentOrder(incidents.count), at: next.seconds)
            }
        case .stolenCard:
            let victimCountry = Geography.countries[world.customerCountries.draw(&fraudRNG)]
            let victim = customers.makeCustomer(createdAt: t, countryIndex: Geography.indexByCode[victimCountry.code], &fraudRNG)
            var account = customers.makeCustomer(createdAt: t - .minutes(fraudRNG.uniform(2, 60)), &fraudRNG)
            if fraudRNG.chance(0.8) { account.name = victim.name }
            if fraudRNG.chance(0.6) { account.email = randomLocalPart() + "@" + fraudRNG.element(of: Self.disposableDomains) }
            incident.account = account
            incident.billing = victim.address
            incident.cards = [PaymentCard.random(issuedIn: victimCountry, &fraudRNG)]
            var shipTo = fraudRNG.chance(0.6) ? fraudRNG.element(of: Geography.reshippers) : account.address
            shipTo.name = account.name
            incident.addresses = [shipTo]
            let roll = fraudRNG.uniform()
            incident.devices = [roll < 0.3 ? device(in: victimCountry.code)
                : roll < 0.7 ? device(in: fraudRNG.element(of: Geography.riskyIPCountries)) : device(in: shipTo.country)]
            if fraudRNG.chance(Self.stolenCardSecondOrderProbability) {
                queue.push(.incidentOrder(incidents.count), at: (t + .minutes(fraudRNG.uniform(5, 90))).seconds)
            }
        case .accountTakeover, .friendlyFraud, .fraudRing:
            break
        }
        incidents.append(incident)
        return incidentOrder(incidents.count - 1, at: t)
    }

    /// The next order of incident `i` at `t`.
    func incidentOrder(_ i: Int, at t: SimInstant) -> SimRecord {
        let incident = incidents[i]
        switch incident.pattern {
        case .cardTesting: return cardTestingOrder(incident, at: t)
        case .stolenCard: return stolenCardOrder(incident, at: t)
        case .accountTakeover: return accountTakeoverOrder(incident, at: t)
        case .friendlyFraud: return friendlyFraudOrder(incident, at: t)
        case .fraudRing: return ringOrder(incident, at: t)
        }
    }

    /// A small order testing one more card of the same BIN, from the same device and address.
    private func cardTestingOrder(_ incident: FraudIncident, at t: SimInstant) -> SimRecord {
        var account = incident.account
            ?? customers.makeCustomer(createdAt: t - .minutes(fraudRNG.uniform(0.5, 5)), &fraudRNG)
        if incident.account == nil {
            account.email = randomLocalPart() + "@" + fraudRNG.element(of: Self.disposableDomains)
        }
        let lines = basket(at: t, lineCount: 1, maxQuantity: 1, from: world.catalogue.cheapIndices)
        var draft = fraudDraft(account: account, shipTo: incident.addresses[0], billing: incident.addresses[0],
                               device: incident.devices[0], lines: lines, at: t)
        var card = incident.bin!
        card.last4 = Catalogue.padded(fraudRNG.int(below: 10_000), width: 4)
        draft.payment.card = card
        draft.payment.avs = ["N", "U", "Y"][fraudRNG.weightedIndex([0.45, 0.35, 0.2])]
        draft.payment.cvv = ["N", "M", "U"][fraudRNG.weightedIndex([0.4, 0.4, 0.2])]
        draft.shippingOption = fraudRNG.chance(0.5) ? "economy" : "standard"
        draft.shippingPaidCents = shippingPaid(option: draft.shippingOption, subtotal: draft.subtotalCents)
        let chargeback = fraudRNG.chance(0.2) ? t + .days(fraudRNG.uniform(10, 40)) : nil
        return fraudRecord(draft, incident, chargeback: chargeback)
    }

    /// Valuable, resellable goods on someone else's card, to a reshipper or a drop address.
    private func stolenCardOrder(_ incident: FraudIncident, at t: SimInstant) -> SimRecord {
        let lines = fraudRNG.chance(0.8)
            ? basket(at: t, lineCount: fraudRNG.int(in: 1...3), maxQuantity: 2, from: world.catalogue.expensiveRiskyIndices)
            : basket(at: t, lineCount: fraudRNG.int(in: 1...2))
        var draft = fraudDraft(account: incident.account!, shipTo: incident.addresses[0], billing: incident.billing!,
                               device: incident.devices[0], lines: lines, at: t)
        draft.payment.card = incident.cards[0]
        draft.payment.avs = ["Y", "N", "U"][fraudRNG.weightedIndex([0.4, 0.35, 0.25])]
        draft.payment.cvv = ["M", "N", "U"][fraudRNG.weightedIndex([0.85, 0.05, 0.1])]
        draft.shippingOption = fraudRNG.chance(0.55) ? "express" : "standard"
        draft.shippingPaidCents = shippingPaid(option: draft.shippingOption, subtotal: draft.subtotalCents)
        return fraudRecord(draft, incident, chargeback: t + .days(fraudRNG.uniform(10, 45)))
    }

    /// An old, trusted account ordering valuable goods to a new address from a new device; the
    /// stored card and billing address still pass their checks.
    private func accountTakeoverOrder(_ incident: FraudIncident, at t: SimInstant) -> SimRecord {
        let index = customers.drawOldAccount(&fraudRNG)
        let victim = customers[index]
        let lines = basket(at: t, lineCount: fraudRNG.int(in: 1...2), maxQuantity: 2, from: world.catalogue.expensiveRiskyIndices)
        var draft = ordinaryDraft(for: victim, lines: lines, at: t)
        if fraudRNG.chance(0.4) {
            draft.shipping = fraudRNG.element(of: Geography.reshippers)
            draft.shipping.name = victim.name
        } else {
            let ci = world.customerCountries.draw(&fraudRNG)
            draft.shipping = Geography.address(in: Geography.countries[ci], name: victim.name, &fraudRNG)
        }
        let deviceCountry = fraudRNG.chance(0.5) ? fraudRNG.element(of: Geography.riskyIPCountries) : draft.shipping.country
        let dev = device(in: deviceCountry)
        draft.payment.ip = dev.ip
        draft.payment.ipCountry = dev.country
        if !Self.disputable.contains(draft.payment.method) { draft.payment.method = "paypal" }
        if draft.payment.card != nil {
            draft.payment.avs = "Y"
            draft.payment.cvv = fraudRNG.chance(0.5) ? "U" : "M"
        }
        if fraudRNG.chance(0.4) {
            draft.phone = Geography.phone(in: Geography.country(draft.shipping.country)!, &fraudRNG)
        }
        draft.shippingOption = fraudRNG.chance(0.5) ? "express" : "standard"
        draft.merchantPriority = priority(for: draft.shippingOption)
        draft.shippingPaidCents = shippingPaid(option: draft.shippingOption, subtotal: draft.subtotalCents)
        customers[index].previousOrders += 1
        customers[index].lastOrderAt = t
        return fraudRecord(draft, incident, chargeback: t + .days(fraudRNG.uniform(5, 30)))
    }

    /// An ordinary-looking order whose buyer will dispute it weeks later.
    private func friendlyFraudOrder(_ incident: FraudIncident, at t: SimInstant) -> SimRecord {
        let index = fraudRNG.chance(0.6) ? customers.drawReturning(&fraudRNG) : newCustomer(at: t)
        let lines = fraudRNG.chance(0.4)
            ? basket(at: t, lineCount: 1, maxQuantity: 1, from: world.catalogue.expensiveRiskyIndices)
            : basket(at: t, lineCount: fraudRNG.int(in: 1...2))
        var draft = ordinaryDraft(for: customers[index], lines: lines, at: t)
        if !Self.disputable.contains(draft.payment.method) {
            // A chargeback needs a card (or a wallet with buyer protection): pay by card this time.
            draft.payment.method = "card"
            draft.payment.card = PaymentCard.random(issuedIn: Geography.countries[customers[index].countryIndex], &fraudRNG)
            draft.payment.avs = "Y"
            draft.payment.cvv = "M"
        }
        customers[index].previousOrders += 1
        customers[index].lastOrderAt = t
        return fraudRecord(draft, incident, chargeback: t + .days(fraudRNG.uniform(20, 60)))
    }

    /// Schedules the orders of a fraud ring: fresh accounts sharing a few reshipper addresses,
    /// devices, cards and a phone number.
    func startRing(_ ring: FraudRing) {
        let id = "ring-" + Catalogue.padded(incidents.count + 1, width: 6)
        var incident = FraudIncident(id: id, pattern: .fraudRing)
        incident.addresses = fraudRNG.distinctIndices(2, of: Geography.reshippers.count).map { Geography.reshippers[$0] }
        let deviceCountries = [fraudRNG.element(of: Geography.riskyIPCountries), incident.addresses[0].country]
        incident.devices = (0..<3).map { _ in device(in: fraudRNG.element(of: deviceCountries)) }
        incident.cards = (0..<4).map { _ in
            PaymentCard.random(issuedIn: Geography.countries[world.customerCountries.draw(&fraudRNG)],
                               &fraudRNG)
        }
        incident.phone = Geography.phone(in: Geography.country(incident.addresses[0].country)!, &fraudRNG)
        incident.emailDomain = fraudRNG.element(of: Self.disposableDomains)
        incident.emailStem = randomLocalPart()
        let index = incidents.count
        incidents.append(incident)
        let offsets = (0..<ring.orders).map { _ in Int64(fraudRNG.uniform(0, Double(ring.duration.seconds))) }.sorted()
        for offset in offsets {
            queue.push(.incidentOrder(index), at: ring.start.seconds + offset)
        }
    }

    /// One order of a ring: a fresh account (a few days old) using the ring's shared pieces.
    private func ringOrder(_ incident: FraudIncident, at t: SimInstant) -> SimRecord {
        var account = customers.makeCustomer(createdAt: t - .days(fraudRNG.uniform(1, 10)), &fraudRNG)
        account.email = incident.emailStem + String(fraudRNG.int(in: 10...999)) + "@" + incident.emailDomain
        account.phone = incident.phone
        var shipTo = fraudRNG.element(of: incident.addresses)
        shipTo.name = account.name
        let card = fraudRNG.element(of: incident.cards)
        let cardCountry = Geography.countries[Geography.indexByCode[card.country]!]
        let billing = Geography.address(in: cardCountry, name: account.name, &fraudRNG)
        let lines = basket(at: t, lineCount: fraudRNG.int(in: 1...2), maxQuantity: 2, from: world.catalogue.expensiveRiskyIndices)
        var draft = fraudDraft(account: account, shipTo: shipTo, billing: billing, device: fraudRNG.element(of: incident.devices),
                               lines: lines, at: t)
        draft.payment.card = card
        draft.payment.avs = ["N", "Z", "Y"][fraudRNG.weightedIndex([0.5, 0.3, 0.2])]
        draft.payment.cvv = fraudRNG.chance(0.8) ? "M" : "U"
        draft.shippingOption = fraudRNG.chance(0.7) ? "express" : "standard"
        draft.merchantPriority = priority(for: draft.shippingOption)
        draft.shippingPaidCents = shippingPaid(option: draft.shippingOption, subtotal: draft.subtotalCents)
        return fraudRecord(draft, incident, chargeback: t + .days(fraudRNG.uniform(7, 40)))
    }

    // MARK: - Pieces

    /// An order by a fraudster's account, paid by card: no history, a language of the account's
    /// country, the device given.
    private func fraudDraft(account: Customer, shipTo: PostalAddress, billing: PostalAddress,
                            device: (ip: String, country: String), lines: [OrderDraft.Line], at t: SimInstant) -> OrderDraft {
        OrderDraft(
            orderID: nextOrderID(), placedAt: t, channel: fraudRNG.chance(0.8) ? "web" : "shopify",
            customerID: account.id, email: account.email, phone: account.phone, accountCreatedAt: account.accountCreatedAt,
            previousOrders: 0, previousChargebacks: nil, language: fraudRNG.chance(0.7) ? account.language : nil,
            shipping: shipTo, billing: billing,
            payment: OrderDraft.Payment(method: "card", card: nil, avs: nil, cvv: nil, ip: device.ip, ipCountry: device.country),
            lines: lines, shippingOption: "standard", shippingPaidCents: 0, merchantPriority: "balanced")
    }

    private func fraudRecord(_ draft: OrderDraft, _ incident: FraudIncident, chargeback: SimInstant?) -> SimRecord {
        let shared = incident.pattern == .cardTesting || incident.pattern == .stolenCard || incident.pattern == .fraudRing
        let truth = OrderTruth(orderID: draft.orderID, customerID: draft.customerID, pattern: incident.pattern, unusual: nil,
                               incidentID: shared ? incident.id : nil, chargebackAt: chargeback,
                               duringSurge: surgeDiscount(at: draft.placedAt) != nil)
        return orderRecord(draft, truth)
    }

    /// A device (IP address) in `country`.
    private func device(in country: String) -> (ip: String, country: String) {
        (Geography.ipAddress(in: Geography.country(country)!, &fraudRNG), country)
    }

    /// A card tester's device: a risky country or the account's own.
    private func fraudDevice(near country: String) -> (ip: String, country: String) {
        device(in: fraudRNG.chance(0.5) ? fraudRNG.element(of: Geography.riskyIPCountries) : country)
    }

    /// Letters and digits, as throwaway addresses have.
    private func randomLocalPart() -> String {
        let letters = Array("abcdefghijklmnopqrstuvwxyz")
        var s = ""
        for _ in 0..<fraudRNG.int(in: 6...10) { s.append(fraudRNG.element(of: letters)) }
        return s + String(fraudRNG.int(in: 1...9_999))
    }
}
