import Foundation

/// A payment card as orders show it (never a full number).
public struct PaymentCard: Sendable, Hashable {
    public var bin: String
    public var last4: String
    /// Issuing country.
    public var country: String

    static func random(issuedIn country: Country, _ rng: inout SimRandom) -> PaymentCard {
        PaymentCard(bin: rng.element(of: country.cardBINs), last4: Catalogue.padded(rng.int(below: 10_000), width: 4),
                    country: country.code)
    }
}

/// A customer of the merchant.
public struct Customer: Sendable {
    /// E.g. `cus-000042`.
    public let id: String
    public var name: String
    public var email: String
    /// Index into ``Geography/countries``.
    let countryIndex: Int
    /// BCP 47.
    public let language: String
    public let accountCreatedAt: SimInstant
    public var previousOrders: Int
    public var previousChargebacks: Int
    /// Chance, when a returning buyer is drawn, that it is this one (0.05–1).
    public let repeatPropensity: Double
    public var address: PostalAddress
    public var phone: String?
    /// The card on file (card buyers) or nil (PayPal, wallet, ... buyers).
    public var card: PaymentCard?
    /// The payment method the customer usually uses.
    public let paymentMethod: String
    /// The customer's usual IP address.
    public var homeIP: String
    /// When the customer last ordered during the run (nil: not yet).
    var lastOrderAt: SimInstant? = nil

    /// ISO country of the customer's home.
    public var country: String { Geography.countries[countryIndex].code }
}

/// Everyone who ever bought or will buy: a pre-seeded base of existing accounts that grows as
/// new customers order. Returning buyers are drawn by their repeat propensity.
struct CustomerPool {
    private(set) var customers: [Customer] = []
    private var nextNumber = 1
    /// How many accounts existed before the run.
    private var existingCount = 0
    /// Indices of pre-existing accounts a year old or more with two orders or more (loyal
    /// customers; account-takeover victims).
    private var oldAccounts: [Int] = []
    /// Where new customers live.
    let countries: CustomerCountries

    /// Mail domains of ordinary customers (reserved `.example` names, never real ones).
    static let mailDomains = ["mail.example", "post.example", "inbox.example", "webmail.example", "example.com", "example.net"]
    static let paymentMethods = ["card", "paypal", "wallet", "bank_transfer", "cod"]
    static let paymentWeights = [0.68, 0.19, 0.09, 0.02, 0.02]

    /// A pool with `count` existing accounts created up to six years before `now`, living in
    /// `countries`.
    init(existing count: Int, now: SimInstant, countries: CustomerCountries = .default, _ rng: inout SimRandom) {
        self.countries = countries
        customers.reserveCapacity(count * 3)
        for _ in 0..<count {
            // Log-uniform account age between 1 day and 6 years.
            let ageDays = exp(rng.uniform(0, log(6 * 365.0)))
            let created = now - .days(ageDays)
            var customer = makeCustomer(createdAt: created, &rng)
            customer.previousOrders = rng.poisson(ageDays / 365 * 4 * customer.repeatPropensity + 0.3)
            if customer.previousOrders > 3 && rng.chance(0.03) { customer.previousChargebacks = 1 }
            if ageDays >= 365 && customer.previousOrders >= 2 { oldAccounts.append(customers.count) }
            customers.append(customer)
        }
        existingCount = count
    }

    /// A fresh customer (not yet in the pool) whose account was created at `createdAt`.
    mutating func makeCustomer(createdAt: SimInstant, countryIndex: Int? = nil, _ rng: inout SimRandom) -> Customer {
        let ci = countryIndex ?? countries.draw(&rng)
        let country = Geography.countries[ci]
        let first = rng.element(of: country.firstNames)
        let last = rng.element(of: country.lastNames)
        let name = first + " " + last
        let id = "cus-" + Catalogue.padded(nextNumber, width: 6)
        nextNumber += 1
        let email = Self.emailLocalPart(first, last, &rng) + "@" + rng.element(of: Self.mailDomains)
        let language = country.languages[rng.weightedIndex(country.languages.map(\.weight))].tag
        var address = Geography.address(in: country, name: name, &rng)
        let phone: String? = rng.chance(0.6) ? Geography.phone(in: country, &rng) : nil
        address.phone = phone
        let method = Self.paymentMethods[rng.weightedIndex(Self.paymentWeights)]
        let card: PaymentCard? = method == "card" ? PaymentCard.random(issuedIn: country, &rng) : nil
        // Most buyers come once or twice; a few come back often.
        let propensity = min(1, max(0.05, rng.logNormal(mu: log(0.25), sigma: 0.8)))
        return Customer(id: id, name: name, email: email, countryIndex: ci, language: language, accountCreatedAt: createdAt,
                        previousOrders: 0, previousChargebacks: 0, repeatPropensity: propensity, address: address,
                        phone: phone, card: card, paymentMethod: method, homeIP: Geography.ipAddress(in: country, &rng))
    }

    /// Adds a customer to the pool; returns its index.
    @discardableResult
    mutating func add(_ customer: Customer) -> Int {
        customers.append(customer)
        return customers.count - 1
    }

    /// A returning customer's index, drawn by repeat propensity.
    func drawReturning(_ rng: inout SimRandom) -> Int {
        var index = rng.int(below: customers.count)
        for _ in 0..<8 {
            if rng.chance(customers[index].repeatPropensity) { break }
            index = rng.int(below: customers.count)
        }
        return index
    }

    /// An old account (created a year or more before the run, with at least two earlier
    /// orders), for account takeover; any pre-existing account when there is none.
    func drawOldAccount(_ rng: inout SimRandom) -> Int {
        oldAccounts.isEmpty ? rng.int(below: max(1, existingCount)) : rng.element(of: oldAccounts)
    }

    /// Days a loyal customer rests after an order before ``drawLoyal(at:_:)`` draws them again.
    static let loyalRestDays = 14.0

    /// A loyal customer (an account a year or more old with two or more earlier orders) for an
    /// order at `t`: an old account, by repeat propensity, that has not ordered in the last
    /// ``loyalRestDays`` days; when eight draws find none (the base before the run is small
    /// against a busy storefront's), a dormant loyal customer not seen before (account 1–6
    /// years old, 2 or more earlier orders) joins the pool and the old accounts.
    mutating func drawLoyal(at t: SimInstant, _ rng: inout SimRandom) -> Int {
        for _ in 0..<8 where !oldAccounts.isEmpty {
            let index = rng.element(of: oldAccounts)
            if let last = customers[index].lastOrderAt, (t - last).days < Self.loyalRestDays { continue }
            if rng.chance(customers[index].repeatPropensity) { return index }
        }
        let ageDays = exp(rng.uniform(log(365.0), log(6 * 365.0)))
        var customer = makeCustomer(createdAt: t - .days(ageDays), &rng)
        customer.previousOrders = 2 + rng.poisson(ageDays / 365 * 1.5)
        oldAccounts.append(customers.count)
        return add(customer)
    }

    subscript(index: Int) -> Customer {
        get { customers[index] }
        set { customers[index] = newValue }
    }

    var count: Int { customers.count }

    /// `first.last`, `firstlast42`, `f.last1987`: the shapes real addresses take.
    static func emailLocalPart(_ first: String, _ last: String, _ rng: inout SimRandom) -> String {
        let f = asciiNames[first] ?? asciiLower(first)
        let l = asciiNames[last] ?? asciiLower(last)
        switch rng.int(below: 4) {
        case 0: return f + "." + l
        case 1: return f + l + String(rng.int(in: 1...99))
        case 2: return String(f.prefix(1)) + "." + l + String(rng.int(in: 1960...2006))
        default: return f + "_" + l
        }
    }

    /// ``asciiLower(_:)`` of every name in ``Geography``, computed once.
    static let asciiNames: [String: String] = {
        var map: [String: String] = [:]
        for country in Geography.countries {
            for name in country.firstNames + country.lastNames { map[name] = asciiLower(name) }
        }
        return map
    }()

    /// Lower-case ASCII letters of `s` (accents folded, others dropped).
    static func asciiLower(_ s: String) -> String {
        var out = ""
        for scalar in s.lowercased().decomposedStringWithCompatibilityMapping.unicodeScalars {
            if (scalar.value >= 0x61 && scalar.value <= 0x7A) || (scalar.value >= 0x30 && scalar.value <= 0x39) {
                out.unicodeScalars.append(scalar)
            }
        }
        return out.isEmpty ? "user" : out
    }
}
