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

    private static let disposableWordBytes = disposableDomainWords.map { Array($0.utf8) }

    /// Whether `domain` (lower case) is a throwaway mail domain.
    public static func isDisposable(domain: String) -> Bool {
        if disposableDomains.contains(domain) { return true }
        let bytes = ASCIIText.lowercasedBytes(domain)
        return disposableWordBytes.contains { ASCIIText.contains(bytes, $0) }
    }

    /// How machine-made a mailbox name looks, 0–1: letters with few vowels, long consonant runs,
    /// and long digit tails are what generated names have and people's names rarely do.
    public static func emailRandomness(localPart: String) -> Double {
        let bytes = ASCIIText.lowercasedBytes(localPart)
        guard bytes.count >= 5 else { return 0 }
        var letters = 0, vowels = 0, digits = 0, run = 0, maxRun = 0
        var hasSeparator = false
        for b in bytes {
            let isLetter = (b >= 0x61 && b <= 0x7A) || b >= 0x80
            let isVowel = b == 0x61 || b == 0x65 || b == 0x69 || b == 0x6F || b == 0x75 || b == 0x79
            if isLetter { letters += 1 }
            if isVowel { vowels += 1 }
            if b >= 0x30 && b <= 0x39 { digits += 1 }
            if b == 0x2E || b == 0x5F || b == 0x2D { hasSeparator = true }
            if isLetter && !isVowel && b < 0x80 { run += 1; maxRun = max(maxRun, run) } else { run = 0 }
        }
        var score = 0.0
        if letters >= 6 {
            let ratio = Double(vowels) / Double(letters)
            if ratio < 0.2 { score += 0.5 } else if ratio < 0.3 { score += 0.25 }
        }
        if maxRun >= 5 { score += 0.35 } else if maxRun >= 4 { score += 0.2 }
        if digits >= 3 && Double(digits) / Double(bytes.count) > 0.2 && digits != 4 { score += 0.15 }
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

    private static let forwarderNameBytes = forwarderNames.map { Array($0.utf8) }
    private static let dropPointPhraseBytes = dropPointPhrases.map { Array($0.utf8) }
    private static let dropPointWordBytes = Set(dropPointWords.map { Array($0.utf8) })
    private static let dropPointPrefixes = ["logistik", "forward", "reship"].map { Array($0.utf8) }

    /// Why the address lines look like a reshipper or freight forwarder, or nil when they do not.
    public static func reshipperHint(line1: String?, line2: String?) -> String? {
        var text = ASCIIText.lowercasedBytes(line1 ?? "")
        if let line2 {
            text.append(0x20)
            text += ASCIIText.lowercasedBytes(line2)
        }
        guard !text.isEmpty else { return nil }
        for (i, name) in forwarderNameBytes.enumerated() where ASCIIText.contains(text, name) { return forwarderNames[i] }
        for (i, phrase) in dropPointPhraseBytes.enumerated() where ASCIIText.contains(text, phrase) { return dropPointPhrases[i] }
        let words = ASCIIText.words(text)
        for w in words where dropPointWordBytes.contains(Array(w)) { return String(decoding: w, as: UTF8.self) }
        for w in words where dropPointPrefixes.contains(where: { w.starts(with: $0) }) { return String(decoding: w, as: UTF8.self) }
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
