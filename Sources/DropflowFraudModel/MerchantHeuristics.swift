/// The hand-kept lists and rules a merchant's fraud team would recognise: throwaway mail
/// domains, random-looking mailbox names, reshipper and freight-forwarder addresses, and goods
/// that are easy to resell.
public enum MerchantHeuristics {
    /// Well-known throwaway mail services.
    public static let disposableDomains: Set<String> = [
        "mailinator.com", "guerrillamail.com", "guerrillamail.net", "sharklasers.com", "10minutemail.com",
        "tempmail.com", "temp-mail.org", "yopmail.com", "trashmail.com", "getnada.com", "dispostable.com",
        "maildrop.cc", "throwawaymail.com", "fakeinbox.com", "mintemail.com", "mohmal.com", "emailondeck.com",
        "burnermail.io", "spamgourmet.com", "tempail.com", "moakt.com", "mailnesia.com", "tempr.email",
    ]

    /// Words in a mail domain that throwaway services use in their names.
    public static let disposableDomainWords = ["temp", "trash", "throwaway", "disposable", "burner", "fakeinbox",
                                               "10minute", "minutemail", "guerrilla", "quickmail", "mailnow", "spam"]

    /// Whether `domain` (lower case) is a throwaway mail domain.
    public static func isDisposable(domain: String) -> Bool {
        if disposableDomains.contains(domain) { return true }
        return disposableDomainWords.contains { domain.contains($0) }
    }

    /// How machine-made a mailbox name looks, 0–1: letters with few vowels, long consonant runs,
    /// and long digit tails are what generated names have and people's names rarely do.
    public static func emailRandomness(localPart: String) -> Double {
        let chars = Array(localPart.lowercased())
        let letters = chars.filter(\.isLetter)
        let digits = chars.filter(\.isNumber).count
        guard chars.count >= 5 else { return 0 }
        let vowels = letters.filter { "aeiouy".contains($0) }.count
        var run = 0, maxRun = 0
        for c in chars {
            if c.isLetter && !"aeiouy".contains(c) { run += 1; maxRun = max(maxRun, run) } else { run = 0 }
        }
        let hasSeparator = chars.contains { $0 == "." || $0 == "_" || $0 == "-" }
        var score = 0.0
        if letters.count >= 6 {
            let ratio = Double(vowels) / Double(letters.count)
            if ratio < 0.2 { score += 0.5 } else if ratio < 0.3 { score += 0.25 }
        }
        if maxRun >= 5 { score += 0.35 } else if maxRun >= 4 { score += 0.2 }
        if digits >= 3 && Double(digits) / Double(chars.count) > 0.2 && digits != 4 { score += 0.15 }
        if !hasSeparator { score += 0.1 }
        return min(1, score)
    }

    /// Names of freight forwarders and reshipping services that appear on address lines.
    public static let forwarderNames = ["shipito", "myus", "stackry", "planet express", "borderlinx", "forward2me",
                                        "parcl", "usgobuy", "comgateway", "bongo", "viabox", "hopshopgo", "fishisfast",
                                        "eshopworld", "reship", "package forwarding"]

    /// Words on address lines that mark a commercial drop point rather than a home.
    public static let dropPointWords: Set<String> = ["ste", "suite", "unit", "pmb", "warehouse", "logistics", "logistik",
                                                     "freight", "forwarding", "forwarder", "halle", "depot",
                                                     "fulfillment", "fulfilment"]

    /// Multi-word markers of drop points.
    public static let dropPointPhrases = ["c/o", "care of", "trade park", "industrial estate", "business park",
                                          "commerce park", "commerce parkway", "logistics park", "gewerbepark"]

    /// Why the address lines look like a reshipper or freight forwarder, or nil when they do not.
    public static func reshipperHint(line1: String?, line2: String?) -> String? {
        let text = [line1, line2].compactMap { $0 }.joined(separator: " ").lowercased()
        guard !text.isEmpty else { return nil }
        for name in forwarderNames where text.contains(name) { return name }
        for phrase in dropPointPhrases where text.contains(phrase) { return phrase }
        let words = text.split(whereSeparator: { !($0.isLetter || $0.isNumber) }).map(String.init)
        for w in words where dropPointWords.contains(w) { return w }
        for w in words where w.hasPrefix("logistik") || w.hasPrefix("forward") || w.hasPrefix("reship") { return w }
        return nil
    }

    /// Product categories fraudsters favour: valuable, light, easy to resell.
    public static let riskyCategories: Set<String> = [
        "electronics", "gift_cards", "gift_card", "giftcards", "gift cards", "jewelry", "jewellery", "watches",
        "luxury", "phones", "mobile_phones", "computers", "gaming", "consoles", "sneakers", "designer", "cosmetics_luxury",
    ]

    /// Whether `category` is a gift card category.
    public static func isGiftCard(category: String) -> Bool {
        let c = String(category.lowercased().map { $0 == " " ? "_" : $0 })
        return c.hasPrefix("gift_card") || c == "giftcards"
    }
}
