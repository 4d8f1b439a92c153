import DropflowContract
/// Legitimate orders (ordinary and unusual) and the pieces every order is made of: baskets,
/// prices, shipping options, payment details.
extension SimulationEngine {
    static let channels = ["shopify", "web", "amazon", "tiktok"]
    static let channelWeights = [0.55, 0.25, 0.12, 0.08]

    /// A legitimate order at `t`: an ordinary one, or (at the shares of
    /// ``SimulationConfig/unusualLegit``) an unusual one, whose kind goes to the truth.
    func legitimateOrder(at t: SimInstant) -> SimRecord {
        let unusual = config.unusualLegit.kind(at: orderRNG.uniform())
        let index: Int
        switch unusual {
        case .largeFirstOrder:
            index = newCustomer(at: t)
        case .loyalElectronics, .loyalBigOrder:
            index = customers.drawLoyal(at: t, &orderRNG)
        case .giftAbroad, .travellingBuyer, .expressHighValue, .newShippingAddress, .newDevice:
            index = customers.drawReturning(&orderRNG)
        case nil:
            index = orderRNG.chance(config.returningBuyerShare) ? customers.drawReturning(&orderRNG) : newCustomer(at: t)
        }
        let customer = customers[index]
        let catalogue = world.catalogue

        let lines: [OrderDraft.Line]
        switch unusual {
        case .largeFirstOrder:
            lines = basket(at: t, lineCount: orderRNG.int(in: 4...8), maxQuantity: 5)
        case .expressHighValue:
            lines = basket(at: t, lineCount: orderRNG.int(in: 1...2), from: catalogue.expensiveRiskyIndices)
        case .loyalElectronics:
            // One device (often one of the dearer ones), sometimes with something else.
            let pool = orderRNG.chance(0.45) ? catalogue.expensiveElectronicsIndices : catalogue.electronicsIndices
            var chosen = basket(at: t, lineCount: 1, maxQuantity: 2, from: pool)
            if orderRNG.chance(0.3), let extra = basket(at: t, lineCount: 1).first,
               !chosen.contains(where: { $0.productIndex == extra.productIndex }) {
                chosen.append(extra)
            }
            lines = chosen
        case .loyalBigOrder:
            // Several lines, often one expensive item among them.
            var chosen = orderRNG.chance(0.5) ? basket(at: t, lineCount: 1, from: catalogue.expensiveRiskyIndices) : []
            for line in basket(at: t, lineCount: orderRNG.int(in: 3...6) - chosen.count, maxQuantity: 4)
            where !chosen.contains(where: { $0.productIndex == line.productIndex }) {
                chosen.append(line)
            }
            lines = chosen
        default:
            lines = basket(at: t, lineCount: min(6, 1 + orderRNG.poisson(0.55)))
        }
        var draft = ordinaryDraft(for: customer, lines: lines, at: t)
        switch unusual {
        case .giftAbroad:
            // Someone else, in another country; billing stays at home, so the card checks pass.
            let country = Geography.countries[world.customerCountries.draw(otherThan: customer.countryIndex, &orderRNG)]
            let name = orderRNG.element(of: country.firstNames) + " " + orderRNG.element(of: country.lastNames)
            draft.shipping = Geography.address(in: country, name: name, &orderRNG)
            draft.billing = customer.address
            draft.shippingOption = orderRNG.chance(0.5) ? "express" : "standard"
        case .travellingBuyer:
            let country = Geography.countries[world.customerCountries.draw(otherThan: customer.countryIndex, &orderRNG)]
            draft.payment.ip = Geography.ipAddress(in: country, &orderRNG)
            draft.payment.ipCountry = country.code
        case .expressHighValue:
            draft.shippingOption = "express"
            draft.merchantPriority = "speed"
        case .loyalElectronics, .loyalBigOrder:
            // From home, with the card on file: the checks pass.
            draft.payment.ip = orderRNG.chance(0.85) ? customer.homeIP : draft.payment.ip
            if draft.payment.card != nil {
                draft.payment.avs = "Y"
                draft.payment.cvv = "M"
            }
            if orderRNG.chance(unusual == .loyalElectronics ? 0.35 : 0.25) {
                draft.shippingOption = "express"
                draft.merchantPriority = priority(for: "express")
            }
        case .newShippingAddress:
            // Moved house (the new address becomes theirs, billing too), or sent to the office
            // or a relative in the same country (billing stays at home).
            let country = Geography.countries[customer.countryIndex]
            var address = Geography.address(in: country, name: customer.name, &orderRNG)
            address.phone = customer.phone
            if orderRNG.chance(0.5) {
                customers[index].address = address
                draft.billing = address
            } else {
                if orderRNG.chance(0.6) { address.line2 = "Floor " + String(orderRNG.int(in: 1...12)) }
                draft.billing = customer.address
            }
            draft.shipping = address
        case .newDevice:
            // A new phone, laptop or provider at home: an IP never seen, which stays theirs.
            let country = Geography.countries[customer.countryIndex]
            let ip = Geography.ipAddress(in: country, &orderRNG)
            draft.payment.ip = ip
            draft.payment.ipCountry = country.code
            customers[index].homeIP = ip
            if customer.phone != nil && orderRNG.chance(0.25) {
                let phone = Geography.phone(in: country, &orderRNG)
                customers[index].phone = phone
                customers[index].address.phone = phone
                draft.phone = phone
                draft.shipping.phone = phone
                draft.billing?.phone = phone
            }
        case .largeFirstOrder, nil:
            break
        }
        draft.shippingPaidCents = shippingPaid(option: draft.shippingOption, subtotal: draft.subtotalCents)
        customers[index].previousOrders += 1
        customers[index].lastOrderAt = t
        let truth = OrderTruth(orderID: draft.orderID, customerID: customer.id, pattern: nil, unusual: unusual,
                               incidentID: nil, chargebackAt: nil, duringSurge: surgeDiscount(at: t) != nil)
        return orderRecord(draft, truth)
    }

    /// A first-time buyer, added to the pool; returns its index. Most sign up at checkout.
    func newCustomer(at t: SimInstant) -> Int {
        let created = orderRNG.chance(0.7) ? t - .minutes(orderRNG.uniform(1, 20)) : t - .days(orderRNG.uniform(1, 400))
        return customers.add(customers.makeCustomer(createdAt: created, &orderRNG))
    }

    /// An ordinary order of `customer`: their address for shipping and billing, their usual
    /// payment and device, and the usual shipping choices.
    func ordinaryDraft(for customer: Customer, lines: [OrderDraft.Line], at t: SimInstant) -> OrderDraft {
        let country = Geography.countries[customer.countryIndex]
        let ip = orderRNG.chance(0.7) ? customer.homeIP : Geography.ipAddress(in: country, &orderRNG)
        var payment = OrderDraft.Payment(method: customer.paymentMethod, card: nil, avs: nil, cvv: nil, ip: ip,
                                         ipCountry: country.code)
        if let card = customer.card {
            payment.card = card
            payment.avs = ["Y", "Z", "A", "U"][orderRNG.weightedIndex([0.9, 0.03, 0.02, 0.05])]
            payment.cvv = orderRNG.chance(0.96) ? "M" : "U"
        }
        let option = ["economy", "standard", "express"][orderRNG.weightedIndex([0.22, 0.63, 0.15])]
        var draft = OrderDraft(
            orderID: nextOrderID(), placedAt: t, channel: Self.channels[orderRNG.weightedIndex(Self.channelWeights)],
            customerID: customer.id, email: customer.email, phone: customer.phone,
            accountCreatedAt: customer.accountCreatedAt, previousOrders: customer.previousOrders,
            previousChargebacks: customer.previousChargebacks > 0 || orderRNG.chance(0.5) ? customer.previousChargebacks : nil,
            language: customer.language, shipping: customer.address, billing: customer.address, payment: payment,
            lines: lines, shippingOption: option, shippingPaidCents: 0, merchantPriority: "balanced")
        draft.merchantPriority = priority(for: option)
        draft.shippingPaidCents = shippingPaid(option: option, subtotal: draft.subtotalCents)
        return draft
    }

    /// What routing should optimize: mostly balanced; speed for most express orders.
    func priority(for option: String) -> String {
        if option == "express" && orderRNG.chance(0.6) { return "speed" }
        return ["balanced", "margin", "speed"][orderRNG.weightedIndex([0.72, 0.2, 0.08])]
    }

    /// Shipping charged to the customer: free standard or economy from 49.00.
    func shippingPaid(option: String, subtotal: Int64) -> Int64 {
        switch option {
        case "express": return 1_299
        case "economy": return subtotal >= 4_900 ? 0 : 299
        default: return subtotal >= 4_900 ? 0 : 499
        }
    }

    /// `lineCount` distinct SKUs: the first by popularity (or from `pool`), the rest often from
    /// the same category; quantities mostly 1.
    func basket(at t: SimInstant, lineCount: Int, maxQuantity: Int = 4, from pool: [Int]? = nil) -> [OrderDraft.Line] {
        let catalogue = world.catalogue
        var chosen: [Int] = []
        var attempts = 0
        while chosen.count < lineCount && attempts < lineCount * 4 {
            attempts += 1
            let p: Int
            if let pool {
                p = orderRNG.element(of: pool)
            } else if let first = chosen.first, orderRNG.chance(0.55) {
                p = orderRNG.element(of: catalogue.indicesByCategory[catalogue.products[first].category.name]!)
            } else {
                p = catalogue.popularityTable.draw(&orderRNG)
            }
            if !chosen.contains(p) { chosen.append(p) }
        }
        return chosen.map { p in
            let quantity = min(maxQuantity, [1, 2, 3, 4][orderRNG.weightedIndex([0.8, 0.14, 0.04, 0.02])])
            return OrderDraft.Line(productIndex: p, quantity: quantity, unitPriceCents: price(of: p, at: t))
        }
    }

    /// The shelf price of product `p` at `t`, less any promotion discount.
    func price(of p: Int, at t: SimInstant) -> Int64 {
        let shelf = world.catalogue.products[p].priceCents
        guard let discount = surgeDiscount(at: t), discount > 0 else { return shelf }
        return max(1, Pricing.scale(shelf, by: 1 - discount / 100))
    }
}
