/// What a customer's inquiry is about (the true label of a `support.inquiries` message).
public enum InquiryIntent: String, Sendable, Hashable, CaseIterable {
    case whereIsMyOrder = "where_is_my_order"
    case cancelOrder = "cancel_order"
    case changeAddress = "change_address"
    case damagedItem = "damaged_item"
    case wrongItem = "wrong_item"
    case returnPolicy = "return_policy"
    case deliveryDateQuestion = "delivery_date_question"
    case other
}

/// Why a customer returns an item (the true label of a `returns.requested` line).
public enum ReturnCategory: String, Sendable, Hashable, CaseIterable {
    case changedMind = "changed_mind"
    case wrongSize = "wrong_size"
    case defective
    case damagedInTransit = "damaged_in_transit"
    case notAsDescribed = "not_as_described"
    case arrivedLate = "arrived_late"
    case wrongItem = "wrong_item"
}

/// Customers' own words: phrase banks in English, German, French and Spanish (chosen by the
/// prefix of the customer's language tag; English for every other language), several
/// phrasings per intent or reason, slots `{order}`, `{title}` and `{days}` filled in, and
/// deterministic variation from the generator: greetings and thanks or none, a longer version,
/// all lower case now and then, a typo now and then.
public enum CustomerText {
    /// Languages with phrase banks.
    public static let languages = ["en", "de", "fr", "es"]

    /// The phrase-bank language for a customer's BCP 47 tag (`de-DE` → `de`; `it-IT` → `en`).
    public static func language(for tag: String?) -> String {
        guard let tag else { return "en" }
        let prefix = String(tag.prefix { $0 != "-" && $0 != "_" }).lowercased()
        return languages.contains(prefix) ? prefix : "en"
    }

    /// A claim that a delivered parcel never arrived (where_is_my_order, worded as non-receipt).
    public static func nonReceiptClaim(orderID: String, title: String, days: Int, language: String,
                                       _ rng: inout SimRandom) -> String {
        compose(bank: nonReceipt[language] ?? nonReceipt["en"]!, orderID: orderID, title: title, days: days,
                language: language, &rng)
    }

    /// The owner of a taken-over account: "I did not place this order" (intent `other`).
    public static func notMyOrder(orderID: String, title: String, language: String, _ rng: inout SimRandom) -> String {
        let bank = (inquiries[language] ?? inquiries["en"]!)[.other]!
        return compose(bank: [bank.last!], orderID: orderID, title: title, days: 0, language: language, &rng)
    }

    /// The text of an inquiry with `intent`.
    public static func inquiry(_ intent: InquiryIntent, orderID: String, title: String, days: Int, language: String,
                               _ rng: inout SimRandom) -> String {
        let bank = (inquiries[language] ?? inquiries["en"]!)[intent] ?? inquiries["en"]![intent]!
        return compose(bank: bank, orderID: orderID, title: title, days: days, language: language, &rng)
    }

    /// The reason text of a return line of `category`.
    public static func returnReason(_ category: ReturnCategory, orderID: String, title: String, days: Int,
                                    language: String, _ rng: inout SimRandom) -> String {
        let bank = (reasons[language] ?? reasons["en"]!)[category] ?? reasons["en"]![category]!
        return compose(bank: bank, orderID: orderID, title: title, days: days, language: language, &rng, greet: false)
    }

    /// The condition of a returned item of `category` (contract enum), correlated with it.
    public static func condition(for category: ReturnCategory, _ rng: inout SimRandom) -> String {
        let table: [(String, Double)]
        switch category {
        case .changedMind: table = [("unopened", 0.45), ("like_new", 0.43), ("used", 0.1), ("unknown", 0.02)]
        case .wrongSize: table = [("like_new", 0.6), ("unopened", 0.28), ("used", 0.1), ("unknown", 0.02)]
        case .defective: table = [("defective", 0.85), ("used", 0.08), ("damaged", 0.03), ("unknown", 0.04)]
        case .damagedInTransit: table = [("damaged", 0.88), ("defective", 0.05), ("unknown", 0.07)]
        case .notAsDescribed: table = [("like_new", 0.5), ("used", 0.25), ("unopened", 0.2), ("unknown", 0.05)]
        case .arrivedLate: table = [("unopened", 0.8), ("like_new", 0.18), ("unknown", 0.02)]
        case .wrongItem: table = [("unopened", 0.7), ("like_new", 0.27), ("unknown", 0.03)]
        }
        return table[rng.weightedIndex(table.map(\.1))].0
    }

    // MARK: - Composition

    static func compose(bank: [String], orderID: String, title: String, days: Int, language: String,
                        _ rng: inout SimRandom, greet: Bool = true) -> String {
        var body = rng.element(of: bank)
        body = body.replacingAll("{order}", with: rng.chance(0.25) ? "#" + orderID : orderID)
            .replacingAll("{title}", with: title).replacingAll("{days}", with: String(days))
        let extras = politeness[language] ?? politeness["en"]!
        var parts: [String] = []
        if greet && rng.chance(0.55) { parts.append(rng.element(of: extras.greetings)) }
        parts.append(body)
        if rng.chance(0.3) { parts.append(rng.element(of: extras.longer)) }
        if greet && rng.chance(0.5) { parts.append(rng.element(of: extras.thanks)) }
        var text = parts.joined(separator: " ")
        if rng.chance(0.08) { text = text.lowercased() }
        if rng.chance(0.1) { text = typo(text, &rng) }
        if rng.chance(0.05) { text = text.replacingAll(".", with: "") }
        return text
    }

    /// `text` with two adjacent letters of one word swapped (or one letter doubled).
    static func typo(_ text: String, _ rng: inout SimRandom) -> String {
        var chars = Array(text)
        let candidates = chars.indices.dropLast().filter { chars[$0].isLetter && chars[$0 + 1].isLetter }
        guard !candidates.isEmpty else { return text }
        let i = rng.element(of: Array(candidates))
        if rng.chance(0.7) { chars.swapAt(i, i + 1) } else { chars.insert(chars[i], at: i) }
        return String(chars)
    }

    struct Politeness {
        let greetings: [String]
        let thanks: [String]
        let longer: [String]
    }

    static let politeness: [String: Politeness] = [
        "en": Politeness(greetings: ["Hi,", "Hello,", "Hi there!", "Good morning,", "Dear support,", "Hey"],
                         thanks: ["Thanks.", "Thank you!", "Thanks in advance.", "Kind regards.", "Cheers", "Please help."],
                         longer: ["I have been a customer for a while and this has never happened before.",
                                  "I would appreciate a quick answer.", "Please let me know as soon as possible.",
                                  "It was meant to be a present so this is a bit stressful."]),
        "de": Politeness(greetings: ["Hallo,", "Guten Tag,", "Sehr geehrte Damen und Herren,", "Hi,", "Moin,"],
                         thanks: ["Danke.", "Vielen Dank!", "Mit freundlichen Grüßen.", "Danke im Voraus.", "LG"],
                         longer: ["Ich bestelle sonst gerne bei Ihnen.", "Bitte um schnelle Rückmeldung.",
                                  "Das sollte eigentlich ein Geschenk sein.", "Ich hoffe, Sie können mir helfen."]),
        "fr": Politeness(greetings: ["Bonjour,", "Bonsoir,", "Madame, Monsieur,", "Salut,"],
                         thanks: ["Merci.", "Merci d'avance !", "Cordialement.", "Bonne journée."],
                         longer: ["Je suis cliente depuis longtemps.", "Merci de me répondre rapidement.",
                                  "C'était censé être un cadeau.", "J'espère que vous pourrez m'aider."]),
        "es": Politeness(greetings: ["Hola,", "Buenos días,", "Buenas tardes,", "Estimados señores,"],
                         thanks: ["Gracias.", "¡Muchas gracias!", "Un saludo.", "Saludos cordiales."],
                         longer: ["Soy cliente desde hace tiempo.", "Les agradecería una respuesta rápida.",
                                  "Era un regalo, así que me preocupa.", "Espero que puedan ayudarme."]),
    ]

    static let nonReceipt: [String: [String]] = [
        "en": ["I never received my order {order}. The tracking says delivered but there is nothing here.",
               "My package for order {order} was never delivered, I want a refund.",
               "Order {order} shows as delivered but I did not get the {title}. Nobody at home got anything."],
        "de": ["Ich habe meine Bestellung {order} nie erhalten, obwohl sie als zugestellt angezeigt wird.",
               "Das Paket zu {order} ist nie angekommen. Ich möchte mein Geld zurück.",
               "Laut Sendungsverfolgung zugestellt, aber {title} ist hier nie angekommen (Bestellung {order})."],
        "fr": ["Je n'ai jamais reçu ma commande {order}, pourtant le suivi indique livré.",
               "Le colis de la commande {order} n'est jamais arrivé. Je veux être remboursé.",
               "Commande {order} marquée comme livrée mais je n'ai pas reçu {title}."],
        "es": ["Nunca recibí mi pedido {order}, aunque el seguimiento dice entregado.",
               "El paquete del pedido {order} no ha llegado nunca. Quiero un reembolso.",
               "El pedido {order} aparece como entregado pero no tengo el {title}."],
    ]

    static let inquiries: [String: [InquiryIntent: [String]]] = [
        "en": [
            .whereIsMyOrder: ["Where is my order {order}? I ordered it {days} days ago.",
                              "My order {order} still hasn't arrived. Can you check what's going on?",
                              "Any update on {order}? It's been {days} days and the tracking hasn't moved.",
                              "still waiting for my {title}, order {order}"],
            .cancelOrder: ["Please cancel my order {order}, I ordered by mistake.",
                           "I want to cancel order {order} before it ships.",
                           "Can I still cancel {order}? I found the {title} cheaper elsewhere."],
            .changeAddress: ["I need to change the delivery address for order {order}, I entered the wrong one.",
                             "Can you update the shipping address on {order}? I'm moving next week.",
                             "Wrong address on my order {order}! Please send it to my work address instead."],
            .damagedItem: ["The {title} from order {order} arrived broken.",
                           "My package {order} came damaged, the box was crushed and the {title} is cracked.",
                           "Received order {order} today but the item is damaged. What can you do?"],
            .wrongItem: ["I received the wrong item in order {order}. I ordered the {title}.",
                         "Order {order}: this is not what I ordered.",
                         "You sent me something else instead of the {title} (order {order})."],
            .returnPolicy: ["What is your return policy? I might want to send back the {title}.",
                            "How many days do I have to return order {order}?",
                            "Do I have to pay for return shipping on {order}?"],
            .deliveryDateQuestion: ["When will order {order} be delivered?",
                                    "Can you tell me the expected delivery date for {order}? I need it within {days} days.",
                                    "Will the {title} arrive before the weekend? Order {order}."],
            .other: ["Can I get an invoice for order {order}?", "Do you also sell the {title} in other colours?",
                     "I did not place order {order}, someone used my account. Please stop it."],
        ],
        "de": [
            .whereIsMyOrder: ["Wo bleibt meine Bestellung {order}? Ich habe vor {days} Tagen bestellt.",
                              "Meine Bestellung {order} ist immer noch nicht da. Können Sie nachsehen?",
                              "Gibt es Neuigkeiten zu {order}? Seit {days} Tagen tut sich nichts in der Sendungsverfolgung."],
            .cancelOrder: ["Bitte stornieren Sie meine Bestellung {order}, ich habe mich verklickt.",
                           "Ich möchte die Bestellung {order} stornieren, bevor sie verschickt wird.",
                           "Kann ich {order} noch stornieren? Ich brauche {title} doch nicht."],
            .changeAddress: ["Ich muss die Lieferadresse für Bestellung {order} ändern, sie ist falsch.",
                             "Können Sie die Adresse bei {order} ändern? Ich ziehe nächste Woche um.",
                             "Falsche Adresse bei {order}! Bitte an meine Arbeitsadresse schicken."],
            .damagedItem: ["{title} aus Bestellung {order} ist kaputt angekommen.",
                           "Das Paket {order} war beschädigt, der Karton eingedrückt und {title} hat einen Riss.",
                           "Bestellung {order} heute erhalten, aber der Artikel ist beschädigt."],
            .wrongItem: ["Ich habe den falschen Artikel bekommen (Bestellung {order}). Bestellt war {title}.",
                         "Bestellung {order}: das habe ich nicht bestellt.",
                         "Statt {title} war etwas anderes im Paket, Bestellung {order}."],
            .returnPolicy: ["Wie sind Ihre Rückgabebedingungen? Ich möchte {title} eventuell zurückschicken.",
                            "Wie viele Tage habe ich für die Rücksendung von {order}?",
                            "Muss ich die Rücksendung von {order} selbst bezahlen?"],
            .deliveryDateQuestion: ["Wann wird Bestellung {order} geliefert?",
                                    "Wann kommt {order} voraussichtlich an? Ich brauche es in {days} Tagen.",
                                    "Kommt {title} noch vor dem Wochenende? Bestellung {order}."],
            .other: ["Kann ich eine Rechnung für {order} bekommen?", "Gibt es {title} auch in anderen Farben?",
                     "Ich habe die Bestellung {order} nicht aufgegeben, jemand hat mein Konto benutzt."],
        ],
        "fr": [
            .whereIsMyOrder: ["Où est ma commande {order} ? J'ai commandé il y a {days} jours.",
                              "Ma commande {order} n'est toujours pas arrivée. Pouvez-vous vérifier ?",
                              "Des nouvelles de {order} ? Le suivi ne bouge plus depuis {days} jours."],
            .cancelOrder: ["Merci d'annuler ma commande {order}, c'était une erreur.",
                           "Je souhaite annuler la commande {order} avant l'expédition.",
                           "Puis-je encore annuler {order} ? Je n'ai plus besoin de {title}."],
            .changeAddress: ["Je dois changer l'adresse de livraison de la commande {order}, elle est fausse.",
                             "Pouvez-vous modifier l'adresse de {order} ? Je déménage la semaine prochaine.",
                             "Mauvaise adresse sur {order} ! Merci de livrer à mon bureau."],
            .damagedItem: ["{title} de la commande {order} est arrivé cassé.",
                           "Le colis {order} était abîmé, le carton écrasé et {title} fissuré.",
                           "J'ai reçu la commande {order} aujourd'hui mais l'article est endommagé."],
            .wrongItem: ["J'ai reçu le mauvais article dans la commande {order}. J'avais commandé {title}.",
                         "Commande {order} : ce n'est pas ce que j'ai commandé.",
                         "Vous m'avez envoyé autre chose que {title} (commande {order})."],
            .returnPolicy: ["Quelle est votre politique de retour ? Je voudrais peut-être renvoyer {title}.",
                            "Combien de jours ai-je pour retourner la commande {order} ?",
                            "Les frais de retour de {order} sont-ils à ma charge ?"],
            .deliveryDateQuestion: ["Quand la commande {order} sera-t-elle livrée ?",
                                    "Quelle est la date de livraison prévue pour {order} ? J'en ai besoin sous {days} jours.",
                                    "Est-ce que {title} arrivera avant le week-end ? Commande {order}."],
            .other: ["Puis-je avoir une facture pour {order} ?", "Avez-vous {title} dans d'autres couleurs ?",
                     "Je n'ai pas passé la commande {order}, quelqu'un a utilisé mon compte."],
        ],
        "es": [
            .whereIsMyOrder: ["¿Dónde está mi pedido {order}? Lo pedí hace {days} días.",
                              "Mi pedido {order} todavía no ha llegado. ¿Pueden revisarlo?",
                              "¿Hay novedades de {order}? El seguimiento no se mueve desde hace {days} días."],
            .cancelOrder: ["Por favor, cancelen mi pedido {order}, me equivoqué.",
                           "Quiero cancelar el pedido {order} antes de que lo envíen.",
                           "¿Todavía puedo cancelar {order}? Ya no necesito el {title}."],
            .changeAddress: ["Necesito cambiar la dirección de entrega del pedido {order}, está mal.",
                             "¿Pueden cambiar la dirección de {order}? Me mudo la semana que viene.",
                             "¡Dirección equivocada en {order}! Envíenlo a mi trabajo, por favor."],
            .damagedItem: ["El {title} del pedido {order} llegó roto.",
                           "El paquete {order} llegó dañado, la caja aplastada y el {title} agrietado.",
                           "Recibí el pedido {order} hoy pero el artículo está dañado."],
            .wrongItem: ["Recibí un artículo equivocado en el pedido {order}. Pedí el {title}.",
                         "Pedido {order}: esto no es lo que pedí.",
                         "Me enviaron otra cosa en lugar del {title} (pedido {order})."],
            .returnPolicy: ["¿Cuál es su política de devoluciones? Quizás quiera devolver el {title}.",
                            "¿Cuántos días tengo para devolver el pedido {order}?",
                            "¿Tengo que pagar el envío de la devolución de {order}?"],
            .deliveryDateQuestion: ["¿Cuándo se entregará el pedido {order}?",
                                    "¿Cuál es la fecha de entrega prevista de {order}? Lo necesito en {days} días.",
                                    "¿Llegará el {title} antes del fin de semana? Pedido {order}."],
            .other: ["¿Me pueden enviar una factura del pedido {order}?", "¿Tienen el {title} en otros colores?",
                     "Yo no hice el pedido {order}, alguien usó mi cuenta."],
        ],
    ]

    static let reasons: [String: [ReturnCategory: [String]]] = [
        "en": [
            .changedMind: ["Changed my mind, don't need it anymore.", "I no longer want the {title}.",
                           "Ordered two and only need one", "Found it cheaper somewhere else."],
            .wrongSize: ["Too small.", "Doesn't fit, way too big", "The size is wrong, I need one size larger.",
                         "runs small, please exchange or refund"],
            .defective: ["It doesn't work.", "Stopped working after {days} days.", "The {title} won't turn on.",
                         "Faulty, broke on first use"],
            .damagedInTransit: ["Arrived damaged, the box was crushed.", "Broken in the parcel when it arrived.",
                                "Packaging torn and the {title} is scratched"],
            .notAsDescribed: ["Not as described, the colour is different from the photos.",
                              "Looks nothing like the pictures.", "Cheap material, not what the listing said"],
            .arrivedLate: ["Arrived too late, I needed it {days} days ago.", "Came after the event, no use now.",
                           "took forever to arrive, don't want it anymore"],
            .wrongItem: ["Wrong item sent.", "This is not the {title} I ordered.", "Received a different product"],
        ],
        "de": [
            .changedMind: ["Brauche ich nicht mehr.", "Ich möchte {title} doch nicht.", "Habe es woanders günstiger gefunden."],
            .wrongSize: ["Zu klein.", "Passt nicht, viel zu groß", "Falsche Größe, ich brauche eine Nummer größer."],
            .defective: ["Funktioniert nicht.", "Nach {days} Tagen kaputt gegangen.", "{title} lässt sich nicht einschalten."],
            .damagedInTransit: ["Beschädigt angekommen, Karton eingedrückt.", "War im Paket schon kaputt.",
                                "Verpackung zerrissen und {title} zerkratzt"],
            .notAsDescribed: ["Entspricht nicht der Beschreibung, Farbe anders als auf den Fotos.",
                              "Sieht ganz anders aus als auf den Bildern.", "Billiges Material, nicht wie beschrieben"],
            .arrivedLate: ["Kam zu spät, ich brauchte es vor {days} Tagen.", "Erst nach dem Termin angekommen, nutzlos.",
                           "hat ewig gedauert, will es nicht mehr"],
            .wrongItem: ["Falscher Artikel geliefert.", "Das ist nicht {title}, das ich bestellt habe.", "Anderes Produkt erhalten"],
        ],
        "fr": [
            .changedMind: ["J'ai changé d'avis.", "Je ne veux plus {title}.", "Trouvé moins cher ailleurs."],
            .wrongSize: ["Trop petit.", "Ne me va pas, beaucoup trop grand", "Mauvaise taille, il me faut la taille au-dessus."],
            .defective: ["Ne fonctionne pas.", "En panne au bout de {days} jours.", "{title} ne s'allume pas."],
            .damagedInTransit: ["Arrivé abîmé, carton écrasé.", "Cassé dans le colis à l'arrivée.",
                                "Emballage déchiré et {title} rayé"],
            .notAsDescribed: ["Non conforme à la description, la couleur est différente des photos.",
                              "Rien à voir avec les photos.", "Matière de mauvaise qualité, pas comme annoncé"],
            .arrivedLate: ["Arrivé trop tard, j'en avais besoin il y a {days} jours.", "Reçu après l'événement, inutile.",
                           "livraison beaucoup trop longue, je n'en veux plus"],
            .wrongItem: ["Mauvais article envoyé.", "Ce n'est pas {title} que j'ai commandé.", "Reçu un autre produit"],
        ],
        "es": [
            .changedMind: ["He cambiado de opinión.", "Ya no quiero el {title}.", "Lo encontré más barato en otro sitio."],
            .wrongSize: ["Me queda pequeño.", "No me vale, demasiado grande", "Talla equivocada, necesito una talla más."],
            .defective: ["No funciona.", "Dejó de funcionar a los {days} días.", "El {title} no enciende."],
            .damagedInTransit: ["Llegó dañado, la caja aplastada.", "Roto dentro del paquete al llegar.",
                                "Embalaje roto y el {title} rayado"],
            .notAsDescribed: ["No es como en la descripción, el color es distinto al de las fotos.",
                              "No se parece nada a las fotos.", "Material barato, no es lo que decía el anuncio"],
            .arrivedLate: ["Llegó demasiado tarde, lo necesitaba hace {days} días.", "Llegó después del evento, ya no sirve.",
                           "tardó muchísimo, ya no lo quiero"],
            .wrongItem: ["Enviaron un artículo equivocado.", "Esto no es el {title} que pedí.", "Recibí otro producto"],
        ],
    ]
}

extension String {
    /// Every occurrence of `target` replaced by `replacement` (no Foundation).
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            out += rest[..<range.lowerBound]
            out += replacement
            rest = rest[range.upperBound...]
        }
        out += rest
        return out
    }
}
