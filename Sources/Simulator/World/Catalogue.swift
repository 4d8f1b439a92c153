import DropflowContract
import Foundation

/// A product category. Some are what fraudsters prefer (resellable, light, valuable).
public struct ProductCategory: Sendable, Hashable {
    /// The name orders carry in `lines[].category`, e.g. `electronics`.
    public let name: String
    /// Three letters that start the category's SKUs.
    let code: String
    /// Whether fraudsters favour it (electronics, gift cards).
    public let risky: Bool
    /// Shelf prices, cents: log-normal with this median, clamped to `priceRange`.
    let medianPriceCents: Double
    let priceRange: ClosedRange<Int64>
    /// Shipping weight, grams.
    let weightRange: ClosedRange<Int>
    /// Share of the catalogue (``MarketProfile/categoryShares`` may override it).
    public let share: Double
    let adjectives: [String]
    let nouns: [String]

    /// Every category, in a fixed order.
    public static let all: [ProductCategory] = [
        ProductCategory(name: "electronics", code: "ELE", risky: true, medianPriceCents: 8_900, priceRange: 1_499...89_900,
                        weightRange: 120...3_500, share: 0.16,
                        adjectives: ["Wireless", "Smart", "Portable", "Noise-cancelling", "4K", "Compact"],
                        nouns: ["earbuds", "headphones", "speaker", "smartwatch", "action camera", "drone", "tablet",
                                "power bank", "projector"]),
        ProductCategory(name: "gift_cards", code: "GFT", risky: true, medianPriceCents: 5_000, priceRange: 2_500...20_000,
                        weightRange: 20...40, share: 0.03, adjectives: ["Store", "Holiday", "Birthday"], nouns: ["gift card"]),
        ProductCategory(name: "home", code: "HOM", risky: false, medianPriceCents: 3_500, priceRange: 599...29_900,
                        weightRange: 200...9_000, share: 0.15,
                        adjectives: ["Arc", "Nordic", "Rattan", "Linen", "Ceramic", "Velvet"],
                        nouns: ["floor lamp", "cushion cover", "throw blanket", "vase", "wall clock", "bulb", "mirror"]),
        ProductCategory(name: "kitchen", code: "KIT", risky: false, medianPriceCents: 2_900, priceRange: 499...24_900,
                        weightRange: 150...6_000, share: 0.12,
                        adjectives: ["Stainless", "Non-stick", "Bamboo", "Cast-iron", "Electric"],
                        nouns: ["pan", "knife set", "milk frother", "spice rack", "kettle", "cutting board"]),
        ProductCategory(name: "apparel", code: "APP", risky: false, medianPriceCents: 3_200, priceRange: 899...19_900,
                        weightRange: 100...1_500, share: 0.16,
                        adjectives: ["Oversized", "Merino", "Vintage", "Slim-fit", "Waterproof", "Organic"],
                        nouns: ["hoodie", "t-shirt", "jacket", "sneakers", "scarf", "leggings", "beanie"]),
        ProductCategory(name: "beauty", code: "BEA", risky: false, medianPriceCents: 2_200, priceRange: 499...12_900,
                        weightRange: 50...800, share: 0.1,
                        adjectives: ["Vitamin C", "Jade", "Ionic", "Hydrating", "Rose"],
                        nouns: ["serum", "face roller", "hair dryer", "lip kit", "face mask set"]),
        ProductCategory(name: "toys", code: "TOY", risky: false, medianPriceCents: 2_500, priceRange: 599...14_900,
                        weightRange: 100...4_000, share: 0.1,
                        adjectives: ["Magnetic", "Wooden", "Remote-control", "Glow", "Plush"],
                        nouns: ["building tiles", "puzzle", "race car", "dinosaur", "kite"]),
        ProductCategory(name: "sports", code: "SPO", risky: false, medianPriceCents: 3_900, priceRange: 799...39_900,
                        weightRange: 150...12_000, share: 0.1,
                        adjectives: ["Adjustable", "Foldable", "Anti-slip", "Resistance", "Carbon"],
                        nouns: ["yoga mat", "dumbbell set", "jump rope", "bike light", "water bottle", "massage gun"]),
        ProductCategory(name: "pets", code: "PET", risky: false, medianPriceCents: 2_400, priceRange: 499...15_900,
                        weightRange: 100...8_000, share: 0.08,
                        adjectives: ["Self-cleaning", "Orthopedic", "Interactive", "Reflective"],
                        nouns: ["cat litter box", "dog bed", "laser toy", "leash", "pet fountain"]),
    ]
}

/// One SKU of the merchant's catalogue.
public struct Product: Sendable {
    public let sku: String
    public let title: String
    public let category: ProductCategory
    /// Shipping weight, grams.
    public let weightGrams: Int
    /// The merchant's shelf price, cents.
    public let priceCents: Int64
    /// Relative demand (Zipf over a random rank); the catalogue's weights sum to 1.
    public let popularity: Double
}

/// The merchant's catalogue: a few hundred SKUs in several categories.
public struct Catalogue: Sendable {
    public let products: [Product]
    /// Draws a product by popularity.
    let popularityTable: WeightedTable
    /// Indices of products per category name, for baskets that stay in a category.
    let indicesByCategory: [String: [Int]]
    /// Indices of products in risky categories, by popularity.
    let riskyIndices: [Int]
    /// The more expensive half of the risky products (what fraudsters and big spenders buy).
    let expensiveRiskyIndices: [Int]
    /// Indices of products under 20.00 (card testers buy these).
    let cheapIndices: [Int]
    /// The index of each SKU's product.
    public let indexBySKU: [String: Int]
    /// Indices of electronics.
    let electronicsIndices: [Int]
    /// The more expensive half of the electronics (what loyal customers' big purchases are).
    let expensiveElectronicsIndices: [Int]

    /// A catalogue of `count` SKUs of `market` drawn from `rng`.
    public static func generate(count: Int, market: MarketProfile = MarketProfile(), _ rng: inout SimRandom) -> Catalogue {
        let categories = ProductCategory.all
        let categoryShares = market.resolvedCategoryShares
        let categoryTable = WeightedTable(categoryShares)
        let level = market.priceLevel
        var counters = [Int](repeating: 0, count: categories.count)
        // Zipf popularity over a random permutation of ranks.
        let ranks = rng.shuffled(Array(1...max(1, count)))
        var zipf = ranks.map { 1 / pow(Double($0), 0.9) }
        let zipfSum = zipf.reduce(0, +)
        zipf = zipf.map { $0 / zipfSum }
        var products: [Product] = []
        products.reserveCapacity(count)
        for i in 0..<count {
            // Guarantee every category at least one SKU, then draw by share.
            let c = i < categories.count ? i : categoryTable.draw(&rng)
            let category = categories[c]
            counters[c] += 1
            let sku = category.code + "-" + Self.padded(counters[c], width: 4)
            let title = rng.element(of: category.adjectives) + " " + rng.element(of: category.nouns)
            let price: Int64
            if category.name == "gift_cards" {
                price = rng.element(of: [2_500, 5_000, 10_000, 20_000] as [Int64])
            } else {
                // At price level 1 exactly the prices of the default catalogue.
                let raw = Int64(rng.logNormal(mu: log(category.medianPriceCents * level), sigma: 0.6))
                let low = Pricing.scale(category.priceRange.lowerBound, by: level)
                let high = Pricing.scale(category.priceRange.upperBound, by: level)
                price = Pricing.charmPrice(near: min(max(raw, low), high))
            }
            let weight = Int(rng.logNormal(mu: log(Double(category.weightRange.lowerBound + category.weightRange.upperBound) / 4),
                                           sigma: 0.5))
            products.append(Product(sku: sku, title: title, category: category,
                                    weightGrams: min(max(weight, category.weightRange.lowerBound), category.weightRange.upperBound),
                                    priceCents: price, popularity: zipf[i]))
        }
        guard market.categoryDemandFollowsShares else { return Catalogue(products: products) }
        // Each category's popularity together is its share; Zipf within the category.
        var categoryZipf: [String: Double] = [:]
        for p in products { categoryZipf[p.category.name, default: 0] += p.popularity }
        let demand = Dictionary(uniqueKeysWithValues: zip(categories.map(\.name), categoryShares))
        let raw = products.map { demand[$0.category.name]! * $0.popularity / categoryZipf[$0.category.name]! }
        let total = raw.reduce(0, +)
        guard total > 0 else { return Catalogue(products: products) }
        return Catalogue(products: zip(products, raw).map { p, weight in
            Product(sku: p.sku, title: p.title, category: p.category, weightGrams: p.weightGrams, priceCents: p.priceCents,
                    popularity: weight / total)
        })
    }

    /// A catalogue of the given products.
    public init(products: [Product]) {
        self.products = products
        popularityTable = WeightedTable(products.map(\.popularity))
        var byCategory: [String: [Int]] = [:]
        for (i, p) in products.enumerated() { byCategory[p.category.name, default: []].append(i) }
        indicesByCategory = byCategory
        riskyIndices = products.indices.filter { products[$0].category.risky }
        let byPrice = riskyIndices.sorted { products[$0].priceCents > products[$1].priceCents }
        expensiveRiskyIndices = byPrice.isEmpty ? [0] : Array(byPrice.prefix(max(1, byPrice.count / 2)))
        let cheap = products.indices.filter { products[$0].priceCents < 2_000 }
        cheapIndices = cheap.isEmpty ? [0] : cheap
        indexBySKU = Dictionary(products.enumerated().map { ($1.sku, $0) }, uniquingKeysWith: { first, _ in first })
        let electronics = products.indices.filter { products[$0].category.name == "electronics" }
        electronicsIndices = electronics.isEmpty ? riskyIndices.isEmpty ? [0] : riskyIndices : electronics
        let electronicsByPrice = electronicsIndices.sorted { products[$0].priceCents > products[$1].priceCents }
        expensiveElectronicsIndices = Array(electronicsByPrice.prefix(max(1, electronicsByPrice.count / 2)))
    }

    /// The product with `sku`, if any (linear search; for tests and tools).
    public func product(sku: String) -> Product? {
        products.first { $0.sku == sku }
    }

    static func padded(_ n: Int, width: Int) -> String {
        let digits = String(n)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
