import DropflowCore
import DropflowJSON
import DropflowContract

/// A customs and shipping region. Zones between two countries derive from their regions.
public enum Region: String, Sendable, Hashable {
    /// The EU customs union.
    case eu
    /// Europe outside the EU customs union (GB, CH, NO, TR).
    case europeOther = "europe_other"
    /// United States and Canada.
    case northAmerica = "north_america"
    /// Asia and Oceania.
    case asiaPacific = "asia_pacific"
}

/// A city: its name, region (state or province, when addresses carry one) and a postal code
/// pattern (`#` a digit, `@` a capital letter, anything else literal).
struct City: Sendable {
    let name: String
    let region: String?
    let postal: String
}

/// A country the simulator knows: where customers live or suppliers ship from.
public struct Country: Sendable {
    /// ISO 3166-1 alpha-2.
    public let code: String
    public let region: Region
    /// BCP 47 tags and their shares among the country's customers.
    let languages: [(tag: String, weight: Double)]
    /// Share of the merchant's customers living here (0 for supplier-only countries), unless
    /// ``MarketProfile/customerCountryWeights`` overrides it.
    let customerWeight: Double
    let firstNames: [String]
    let lastNames: [String]
    let streets: [String]
    let cities: [City]
    /// House number before the street (`12 High Street`) or after (`Hauptstraße 12`).
    let numberFirst: Bool
    /// International dialling prefix.
    let phonePrefix: String
    /// First octets of IPv4 addresses the simulator attributes to the country.
    let ipOctets: [Int]
    /// Card BINs (6 digits) of issuers in the country.
    let cardBINs: [String]
    /// Lower-case city names used in supplier ids (`sup-shenzhen-3`).
    let supplierCities: [String]
}

/// The countries of the simulated world.
public enum Geography {
    /// Every country, customers' and suppliers', in a fixed order.
    public static let countries: [Country] = [
        Country(code: "US", region: .northAmerica, languages: [("en-US", 0.87), ("es-US", 0.13)], customerWeight: 28,
                firstNames: ["James", "Mary", "Robert", "Linda", "Michael", "Jennifer", "David", "Ashley", "Carlos", "Emily"],
                lastNames: ["Smith", "Johnson", "Williams", "Brown", "Garcia", "Miller", "Davis", "Martinez", "Wilson", "Taylor"],
                streets: ["Maple Avenue", "Oak Street", "Washington Blvd", "Park Road", "Elm Street", "Lakeview Drive"],
                cities: [City(name: "Austin", region: "TX", postal: "787##"), City(name: "Columbus", region: "OH", postal: "432##"),
                         City(name: "Denver", region: "CO", postal: "802##"), City(name: "Seattle", region: "WA", postal: "981##"),
                         City(name: "Atlanta", region: "GA", postal: "303##"), City(name: "Brooklyn", region: "NY", postal: "112##")],
                numberFirst: true, phonePrefix: "+1", ipOctets: [23, 24, 50, 66, 73, 98],
                cardBINs: ["414720", "426684", "517805", "542418", "371449"], supplierCities: ["newark", "reno", "dallas"]),
        Country(code: "CA", region: .northAmerica, languages: [("en-CA", 0.76), ("fr-CA", 0.24)], customerWeight: 5,
                firstNames: ["Liam", "Olivia", "Noah", "Chloé", "William", "Émilie", "Ethan", "Sophie"],
                lastNames: ["Tremblay", "Roy", "Smith", "Gagnon", "Wilson", "Côté", "MacDonald", "Lee"],
                streets: ["King Street", "Rue Saint-Denis", "Yonge Street", "Main Street", "Rue Sherbrooke"],
                cities: [City(name: "Toronto", region: "ON", postal: "M#@ #@#"), City(name: "Montréal", region: "QC", postal: "H#@ #@#"),
                         City(name: "Vancouver", region: "BC", postal: "V#@ #@#"), City(name: "Calgary", region: "AB", postal: "T#@ #@#")],
                numberFirst: true, phonePrefix: "+1", ipOctets: [24, 70, 99, 142],
                cardBINs: ["450644", "520473", "451015"], supplierCities: ["toronto"]),
        Country(code: "GB", region: .europeOther, languages: [("en-GB", 1)], customerWeight: 11,
                firstNames: ["Oliver", "Amelia", "Harry", "Isla", "George", "Ava", "Jack", "Emily"],
                lastNames: ["Smith", "Jones", "Taylor", "Brown", "Evans", "Walker", "Wright", "Patel"],
                streets: ["High Street", "Station Road", "Church Lane", "Victoria Road", "Mill Lane"],
                cities: [City(name: "London", region: nil, postal: "SW# #@@"), City(name: "Manchester", region: nil, postal: "M# #@@"),
                         City(name: "Leeds", region: nil, postal: "LS# #@@"), City(name: "Bristol", region: nil, postal: "BS# #@@")],
                numberFirst: true, phonePrefix: "+44", ipOctets: [2, 31, 81, 86, 90],
                cardBINs: ["465858", "475129", "535522"], supplierCities: ["birmingham", "leicester"]),
        Country(code: "DE", region: .eu, languages: [("de-DE", 0.94), ("en", 0.06)], customerWeight: 13,
                firstNames: ["Lukas", "Anna", "Jonas", "Lena", "Felix", "Marie", "Leon", "Sophie"],
                lastNames: ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker"],
                streets: ["Hauptstraße", "Bahnhofstraße", "Gartenweg", "Schillerstraße", "Lindenallee"],
                cities: [City(name: "Berlin", region: nil, postal: "10###"), City(name: "Hamburg", region: nil, postal: "20###"),
                         City(name: "München", region: nil, postal: "80###"), City(name: "Köln", region: nil, postal: "50###")],
                numberFirst: false, phonePrefix: "+49", ipOctets: [46, 77, 84, 91, 217],
                cardBINs: ["492181", "455673", "522371"], supplierCities: ["berlin", "leipzig", "hamburg"]),
        Country(code: "FR", region: .eu, languages: [("fr-FR", 1)], customerWeight: 9,
                firstNames: ["Gabriel", "Louise", "Léo", "Jade", "Raphaël", "Emma", "Arthur", "Chloé"],
                lastNames: ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand"],
                streets: ["Rue de la République", "Avenue Victor Hugo", "Rue Pasteur", "Boulevard Voltaire"],
                cities: [City(name: "Paris", region: nil, postal: "750##"), City(name: "Lyon", region: nil, postal: "6900#"),
                         City(name: "Marseille", region: nil, postal: "130##"), City(name: "Nantes", region: nil, postal: "440##")],
                numberFirst: true, phonePrefix: "+33", ipOctets: [2, 37, 78, 82, 90],
                cardBINs: ["497010", "513283", "456735"], supplierCities: ["lyon"]),
        Country(code: "ES", region: .eu, languages: [("es-ES", 0.9), ("ca-ES", 0.1)], customerWeight: 7,
                firstNames: ["Hugo", "Lucía", "Martín", "Sofía", "Pablo", "María", "Daniel", "Paula"],
                lastNames: ["García", "Rodríguez", "González", "Fernández", "López", "Martínez", "Sánchez", "Pérez"],
                streets: ["Calle Mayor", "Avenida de la Constitución", "Calle Real", "Gran Vía", "Calle del Sol"],
                cities: [City(name: "Madrid", region: nil, postal: "280##"), City(name: "Barcelona", region: nil, postal: "080##"),
                         City(name: "Valencia", region: nil, postal: "460##"), City(name: "Sevilla", region: nil, postal: "410##")],
                numberFirst: false, phonePrefix: "+34", ipOctets: [31, 79, 83, 88, 95],
                cardBINs: ["454313", "489537", "540078"], supplierCities: ["valencia", "zaragoza"]),
        Country(code: "IT", region: .eu, languages: [("it-IT", 1)], customerWeight: 6,
                firstNames: ["Leonardo", "Sofia", "Francesco", "Giulia", "Alessandro", "Aurora", "Lorenzo", "Alice"],
                lastNames: ["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci"],
                streets: ["Via Roma", "Via Garibaldi", "Corso Italia", "Via Dante", "Via Mazzini"],
                cities: [City(name: "Milano", region: "MI", postal: "201##"), City(name: "Roma", region: "RM", postal: "001##"),
                         City(name: "Torino", region: "TO", postal: "101##"), City(name: "Bologna", region: "BO", postal: "401##")],
                numberFirst: false, phonePrefix: "+39", ipOctets: [2, 79, 87, 93, 151],
                cardBINs: ["402360", "535830", "479290"], supplierCities: ["prato", "milano"]),
        Country(code: "NL", region: .eu, languages: [("nl-NL", 0.9), ("en", 0.1)], customerWeight: 4,
                firstNames: ["Daan", "Emma", "Sem", "Julia", "Lucas", "Mila", "Finn", "Tess"],
                lastNames: ["de Jong", "Jansen", "de Vries", "van den Berg", "Bakker", "Visser", "Smit", "Meijer"],
                streets: ["Dorpsstraat", "Kerkstraat", "Stationsweg", "Molenweg", "Prinsengracht"],
                cities: [City(name: "Amsterdam", region: nil, postal: "10## @@"), City(name: "Rotterdam", region: nil, postal: "30## @@"),
                         City(name: "Utrecht", region: nil, postal: "35## @@"), City(name: "Eindhoven", region: nil, postal: "56## @@")],
                numberFirst: false, phonePrefix: "+31", ipOctets: [31, 77, 83, 145],
                cardBINs: ["462263", "530125"], supplierCities: ["venlo", "tilburg"]),
        Country(code: "SE", region: .eu, languages: [("sv-SE", 0.85), ("en", 0.15)], customerWeight: 3,
                firstNames: ["William", "Alice", "Oscar", "Maja", "Elias", "Ebba", "Hugo", "Vera"],
                lastNames: ["Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson"],
                streets: ["Storgatan", "Drottninggatan", "Kungsgatan", "Skolgatan"],
                cities: [City(name: "Stockholm", region: nil, postal: "11# ##"), City(name: "Göteborg", region: nil, postal: "41# ##"),
                         City(name: "Malmö", region: nil, postal: "21# ##")],
                numberFirst: false, phonePrefix: "+46", ipOctets: [78, 81, 90, 213],
                cardBINs: ["457173", "521729"], supplierCities: ["boras"]),
        Country(code: "PL", region: .eu, languages: [("pl-PL", 1)], customerWeight: 4,
                firstNames: ["Jakub", "Zuzanna", "Antoni", "Julia", "Jan", "Maja", "Szymon", "Hanna"],
                lastNames: ["Nowak", "Kowalski", "Wiśniewski", "Wójcik", "Kowalczyk", "Kamiński"],
                streets: ["ul. Polna", "ul. Leśna", "ul. Słoneczna", "ul. Krótka", "ul. Szkolna"],
                cities: [City(name: "Warszawa", region: nil, postal: "0#-###"), City(name: "Kraków", region: nil, postal: "3#-###"),
                         City(name: "Wrocław", region: nil, postal: "5#-###"), City(name: "Poznań", region: nil, postal: "6#-###")],
                numberFirst: false, phonePrefix: "+48", ipOctets: [31, 78, 83, 89, 178],
                cardBINs: ["405687", "535470"], supplierCities: ["poznan", "lodz"]),
        Country(code: "AU", region: .asiaPacific, languages: [("en-AU", 1)], customerWeight: 4,
                firstNames: ["Jack", "Charlotte", "Oliver", "Isla", "William", "Mia", "Thomas", "Grace"],
                lastNames: ["Smith", "Jones", "Williams", "Brown", "Wilson", "Nguyen", "Kelly", "Ryan"],
                streets: ["George Street", "Beach Road", "Bridge Road", "Queen Street"],
                cities: [City(name: "Sydney", region: "NSW", postal: "20##"), City(name: "Melbourne", region: "VIC", postal: "30##"),
                         City(name: "Brisbane", region: "QLD", postal: "40##")],
                numberFirst: true, phonePrefix: "+61", ipOctets: [1, 49, 101, 110, 203],
                cardBINs: ["456471", "516310"], supplierCities: ["sydney"]),
        Country(code: "CN", region: .asiaPacific, languages: [("zh-CN", 1)], customerWeight: 0,
                firstNames: ["Wei", "Fang"], lastNames: ["Wang", "Li"], streets: ["Shennan Road"],
                cities: [City(name: "Shenzhen", region: "GD", postal: "518###")],
                numberFirst: true, phonePrefix: "+86", ipOctets: [36, 58, 101, 113, 117],
                cardBINs: ["622848", "621700"], supplierCities: ["shenzhen", "yiwu", "guangzhou", "ningbo"]),
        Country(code: "VN", region: .asiaPacific, languages: [("vi-VN", 1)], customerWeight: 0,
                firstNames: ["Minh", "Lan"], lastNames: ["Nguyen", "Tran"], streets: ["Le Loi"],
                cities: [City(name: "Hanoi", region: nil, postal: "100###")],
                numberFirst: true, phonePrefix: "+84", ipOctets: [14, 27, 113, 171],
                cardBINs: ["970436"], supplierCities: ["hanoi", "haiphong"]),
        Country(code: "TR", region: .europeOther, languages: [("tr-TR", 1)], customerWeight: 0,
                firstNames: ["Mehmet", "Elif"], lastNames: ["Yılmaz", "Kaya"], streets: ["İstiklal Caddesi"],
                cities: [City(name: "İstanbul", region: nil, postal: "34###")],
                numberFirst: false, phonePrefix: "+90", ipOctets: [78, 85, 88, 176],
                cardBINs: ["454360", "552608"], supplierCities: ["istanbul", "bursa"]),
        Country(code: "RU", region: .europeOther, languages: [("ru-RU", 1)], customerWeight: 0,
                firstNames: ["Ivan"], lastNames: ["Petrov"], streets: ["Lenina"],
                cities: [City(name: "Moskva", region: nil, postal: "101###")],
                numberFirst: false, phonePrefix: "+7", ipOctets: [5, 31, 37, 46, 95],
                cardBINs: ["427601"], supplierCities: []),
        Country(code: "NG", region: .asiaPacific, languages: [("en-NG", 1)], customerWeight: 0,
                firstNames: ["Chinedu"], lastNames: ["Okafor"], streets: ["Allen Avenue"],
                cities: [City(name: "Lagos", region: nil, postal: "100###")],
                numberFirst: true, phonePrefix: "+234", ipOctets: [41, 102, 105, 197],
                cardBINs: ["539983"], supplierCities: []),
    ]

    /// Index of the country with `code` in ``countries``.
    static let indexByCode: [String: Int] = {
        var map: [String: Int] = [:]
        for (i, c) in countries.enumerated() { map[c.code] = i }
        return map
    }()

    /// The country with `code`, if the simulator knows it.
    public static func country(_ code: String) -> Country? {
        indexByCode[code].map { countries[$0] }
    }

    /// Indices of countries where customers live, and their weights.
    static let customerCountries: [Int] = countries.indices.filter { countries[$0].customerWeight > 0 }
    static let customerCountryTable = WeightedTable(customerCountries.map { countries[$0].customerWeight })

    /// Countries that fraudsters' proxies and devices are often seen in (never customers' homes).
    static let riskyIPCountries = ["RU", "NG", "VN", "CN"]

    /// Freight forwarders and reshippers: one address receives parcels for many people.
    static let reshippers: [PostalAddress] = [
        PostalAddress(name: "", line1: "1200 Commerce Parkway", line2: "Ste 100", city: "Wilmington", region: "DE",
                      postalCode: "19801", country: "US", phone: nil),
        PostalAddress(name: "", line1: "8200 NE Columbia Blvd", line2: "Unit 4", city: "Portland", region: "OR",
                      postalCode: "97218", country: "US", phone: nil),
        PostalAddress(name: "", line1: "Logistikring 7", line2: "Halle B", city: "Frankfurt (Oder)", region: nil,
                      postalCode: "15236", country: "DE", phone: nil),
        PostalAddress(name: "", line1: "Unit 9 Heathrow Trade Park", line2: "Bath Road", city: "Hounslow", region: nil,
                      postalCode: "TW6 2AA", country: "GB", phone: nil),
    ]

    /// A postal code following `pattern` (`#` digit, `@` capital letter).
    static func postalCode(_ pattern: String, _ rng: inout SimRandom) -> String {
        var out = ""
        out.reserveCapacity(pattern.utf8.count)
        for ch in pattern {
            switch ch {
            case "#": out.append(Character(Unicode.Scalar(UInt8(0x30 + rng.int(below: 10)))))
            case "@": out.append(Character(Unicode.Scalar(UInt8(0x41 + rng.int(below: 26)))))
            default: out.append(ch)
            }
        }
        return out
    }

    /// A random home address in `country` for `name`.
    static func address(in country: Country, name: String, _ rng: inout SimRandom) -> PostalAddress {
        let city = rng.element(of: country.cities)
        let street = rng.element(of: country.streets)
        let number = String(rng.int(in: 1...240))
        let line1 = country.numberFirst ? number + " " + street : street + " " + number
        let line2: String? = rng.chance(0.15) ? "Apt " + String(rng.int(in: 1...60)) : nil
        return PostalAddress(name: name, line1: line1, line2: line2, city: city.name, region: city.region,
                             postalCode: postalCode(city.postal, &rng), country: country.code, phone: nil)
    }

    /// A random IPv4 address attributed to `country`.
    static func ipAddress(in country: Country, _ rng: inout SimRandom) -> String {
        String(rng.element(of: country.ipOctets)) + "." + String(rng.int(in: 0...255)) + "."
            + String(rng.int(in: 0...255)) + "." + String(rng.int(in: 1...254))
    }

    /// A random phone number in `country`.
    static func phone(in country: Country, _ rng: inout SimRandom) -> String {
        var digits = ""
        for _ in 0..<9 { digits.append(Character(Unicode.Scalar(UInt8(0x30 + rng.int(below: 10))))) }
        return country.phonePrefix + " " + digits
    }
}

/// A postal address as the contract writes it (`shipping_address`, `billing_address`, `ship_to`).
public struct PostalAddress: Sendable, Hashable {
    public var name: String
    public var line1: String
    public var line2: String?
    public var city: String
    public var region: String?
    public var postalCode: String
    public var country: String
    public var phone: String?

    /// The contract's address object.
    public var json: JSONValue {
        var o: [String: JSONValue] = [
            "name": .string(name), "line1": .string(line1), "city": .string(city),
            "postal_code": .string(postalCode), "country": .string(country),
        ]
        if let line2 { o["line2"] = .string(line2) }
        if let region { o["region"] = .string(region) }
        if let phone { o["phone"] = .string(phone) }
        return .object(o)
    }
}
