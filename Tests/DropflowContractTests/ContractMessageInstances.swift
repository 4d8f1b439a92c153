@testable import DropflowJSON
@testable import DropflowContract

/// For every message type, one instance with every optional member set (all the way down) and
/// one with only the required members. `ContractMessagesTests` checks both against the schema,
/// and fails for a schema that has no entry here.
enum ContractMessageInstances {
    static let window = DeliveryWindow(earliest: "2026-11-26T00:00:00Z", latest: "2026-11-29T23:59:59Z", confidence: 0.85)
    static let minimalWindow = DeliveryWindow(earliest: "2026-11-26T00:00:00Z", latest: "2026-11-29T23:59:59Z")
    static let address = Address(name: "Maria Lopez", line1: "Calle Mayor 5", line2: "3º izquierda", city: "Madrid",
                                 region: "Madrid", postalCode: "28013", country: "ES", phone: "+34 600 000 000")
    static let minimalAddress = Address(name: "Maria Lopez", line1: "Calle Mayor 5", city: "Madrid",
                                        postalCode: "28013", country: "ES")

    static let all: [ContractSchema: (full: any ContractMessage, minimal: any ContractMessage)] = [
        .carrierRate: (
            CarrierRate(carrier: "dhl-express", serviceLevel: .express, originCountry: "CN", destinationCountry: "ES",
                        currency: "EUR", base: "18.50", perKg: "6.20", maxWeightGrams: 30_000,
                        transitDays: .init(p50: 4, p90: 7.5), customs: true, updatedAt: "2026-11-24T06:00:00Z"),
            CarrierRate(carrier: "dhl-express", serviceLevel: .economy, originCountry: "CN", destinationCountry: "ES",
                        currency: "EUR", base: "18.50", transitDays: .init(p50: 4, p90: 7), updatedAt: "2026-11-24T06:00:00Z")
        ),
        .customerInquiry: (
            CustomerInquiry(inquiryID: "inq-9001", customerID: "cus-42", orderID: "ord-1001", channel: .chat,
                            text: "Where is my order?", language: "en", at: "2026-11-28T16:40:00Z"),
            CustomerInquiry(inquiryID: "inq-9001", customerID: "cus-42", text: "Where is my order?", at: "2026-11-28T16:40:00Z")
        ),
        .customerNotification: (
            CustomerNotification(notificationID: "ntf-1", customerID: "cus-42", orderID: "ord-1001", kind: "eta_revised",
                                 channel: .email, subject: "Your order arrives later", body: "New window below.",
                                 deliveryWindow: window, language: "en", inReplyTo: "inq-9001", at: "2026-11-24T12:31:00Z"),
            CustomerNotification(notificationID: "ntf-1", customerID: "cus-42", kind: "order_confirmed", channel: .push,
                                 body: "Thanks for your order.", at: "2026-11-24T10:16:00Z")
        ),
        .escalation: (
            Escalation(escalationID: "esc-1", orderID: "ord-1001", customerID: "cus-42", inquiryID: "inq-9001",
                       reason: "angry_customer", priority: .urgent, summary: "Third message about a late order",
                       at: "2026-11-28T16:41:00Z"),
            Escalation(escalationID: "esc-1", reason: "unanswerable", priority: .low, at: "2026-11-28T16:41:00Z")
        ),
        .orderPlaced: (
            OrderPlaced(
                orderID: "ord-1001", placedAt: "2026-11-24T10:15:00Z", channel: "shopify",
                customer: .init(id: "cus-42", email: "maria.lopez@example.com", phone: "+34 600 000 000",
                                accountCreatedAt: "2024-03-02T08:00:00Z", previousOrders: 6, previousChargebacks: 0,
                                language: "es"),
                shippingAddress: address, billingAddress: address,
                payment: .init(method: .card, cardBin: "454313", cardLast4: "4242", cardCountry: "ES", avsResult: "Y",
                               cvvResult: "M", ipAddress: "198.51.100.7", ipCountry: "ES", amount: "64.97"),
                lines: [.init(sku: "LAMP-ARC-BLK", quantity: 1, unitPrice: "49.99", title: "Arc floor lamp", category: "home")],
                currency: "EUR", shippingOption: .standard, shippingPaid: "0.00", merchantPriority: .balanced),
            OrderPlaced(
                orderID: "ord-1001", placedAt: "2026-11-24T10:15:00Z",
                customer: .init(id: "cus-42", email: "maria.lopez@example.com"),
                shippingAddress: minimalAddress, payment: .init(method: .bankTransfer),
                lines: [.init(sku: "LAMP-ARC-BLK", quantity: 1, unitPrice: "49.99")], currency: "EUR")
        ),
        .orderRejected: (
            OrderRejected(orderID: "ord-1003", stage: .fraud,
                          reasons: [Reason(code: "card_country_mismatch", detail: "card issued in NG, shipping to ES", weight: 0.4)],
                          fraudScore: 0.97, at: "2026-11-24T10:15:01Z"),
            OrderRejected(orderID: "ord-1003", stage: .intake,
                          reasons: [Reason(code: "invalid", detail: "/lines: must have at least 1 item, got 0")],
                          at: "2026-11-24T10:15:01Z")
        ),
        .purchaseOrder: (
            PurchaseOrder(purchaseOrderID: "po-ord-1001-2-sup-valencia-1", orderID: "ord-1001", supplierID: "sup-valencia-1",
                          revision: 2, lines: [.init(sku: "LAMP-ARC-BLK", quantity: 1, unitCost: "21.40")],
                          carrier: "correos", shipTo: address, shipBy: "2026-11-25T18:00:00Z", at: "2026-11-24T12:31:00Z",
                          action: .cancel),
            PurchaseOrder(purchaseOrderID: "po-ord-1001-1-sup-valencia-1", orderID: "ord-1001", supplierID: "sup-valencia-1",
                          revision: 1, lines: [.init(sku: "LAMP-ARC-BLK", quantity: 1)], carrier: "correos",
                          shipTo: minimalAddress, at: "2026-11-24T10:16:00Z")
        ),
        .returnDecision: (
            ReturnDecision(returnID: "ret-501", orderID: "ord-1001",
                           lines: [.init(sku: "LAMP-ARC-BLK", quantity: 1, reasonCategory: "damaged",
                                         disposition: .returnToSupplier, expectedRecovery: "21.40",
                                         explanation: "damaged in transit; the supplier credits it")],
                           refund: "49.99", currency: "EUR", labelRequired: true, at: "2026-11-30T09:05:00Z"),
            ReturnDecision(returnID: "ret-501", orderID: "ord-1001",
                           lines: [.init(sku: "LAMP-ARC-BLK", quantity: 1, reasonCategory: "changed_mind", disposition: .keepIt)],
                           refund: "0", currency: "EUR", at: "2026-11-30T09:05:00Z")
        ),
        .returnRequested: (
            ReturnRequested(returnID: "ret-501", orderID: "ord-1001",
                            lines: [.init(sku: "LAMP-ARC-BLK", quantity: 1, reasonText: "The shade arrived cracked",
                                          reasonCode: "damaged", condition: .damaged)],
                            requestedAt: "2026-11-30T09:00:00Z"),
            ReturnRequested(returnID: "ret-501", orderID: "ord-1001", lines: [.init(sku: "LAMP-ARC-BLK", quantity: 1)],
                            requestedAt: "2026-11-30T09:00:00Z")
        ),
        .reviewCase: (
            ReviewCase(orderID: "ord-1002", stage: "fraud", fraudScore: 0.62,
                       reasons: [Reason(code: "new_account", detail: "account created today", weight: 0.2)],
                       orderValue: "412.00", currency: "EUR", at: "2026-11-24T10:20:00Z"),
            ReviewCase(orderID: "ord-1002", stage: "fraud", reasons: [Reason(code: "new_account", detail: "account created today")],
                       at: "2026-11-24T10:20:00Z")
        ),
        .reviewDecision: (
            ReviewDecision(orderID: "ord-1002", decision: .approve, reviewer: "ops-anna", note: "called customer, legit",
                           at: "2026-11-24T10:40:00Z"),
            ReviewDecision(orderID: "ord-1002", decision: .decline, reviewer: "ops-anna", at: "2026-11-24T10:40:00Z")
        ),
        .routingDecision: (
            RoutingDecision(
                orderID: "ord-1001", revision: 2, rerouteReason: "sup-valencia-1 backordered LAMP-ARC-BLK",
                assignments: [.init(supplierID: "sup-lyon-2", skus: ["LAMP-ARC-BLK", "BULB-E27-WW"], carrier: "colissimo",
                                    cost: "38.10", deliveryWindow: window, serviceLevel: .standard,
                                    lines: [.init(sku: "LAMP-ARC-BLK", quantity: 1), .init(sku: "BULB-E27-WW", quantity: 2)])],
                deliveryWindow: window, totalCost: "38.10", expectedMargin: "26.87", currency: "EUR",
                explanation: .init(summary: "cheapest supplier in stock that meets the window",
                                   scores: [["supplier_id": "sup-lyon-2", "score": 0.91]],
                                   alternatives: [["supplier_id": "sup-shenzhen-3", "rejected_because": "too slow"]]),
                at: "2026-11-24T12:31:00Z"),
            RoutingDecision(
                orderID: "ord-1001", revision: 1,
                assignments: [.init(supplierID: "sup-valencia-1", skus: ["LAMP-ARC-BLK"], carrier: "correos",
                                    cost: "30.00", deliveryWindow: minimalWindow)],
                deliveryWindow: minimalWindow, explanation: .init(summary: "only supplier in stock"),
                at: "2026-11-24T10:16:00Z")
        ),
        .shipmentEvent: (
            ShipmentEvent(orderID: "ord-1001", shipmentID: "shp-77", supplierID: "sup-lyon-2", carrier: "colissimo",
                          trackingNumber: "6A12345678901", status: .outForDelivery, location: "Madrid", country: "ES",
                          detail: "with the courier", at: "2026-11-27T08:00:00Z"),
            ShipmentEvent(orderID: "ord-1001", carrier: "colissimo", status: .delivered, at: "2026-11-27T12:00:00Z")
        ),
        .supplierOffer: (
            SupplierOffer(supplierID: "sup-shenzhen-3", sku: "LAMP-ARC-BLK", availableQty: 140, unitCost: "21.40",
                          currency: "EUR", shipsFrom: "CN", handlingDays: .init(p50: 2, p90: 4.5),
                          carriers: ["cainiao-standard", "dhl-express"], acceptsReturns: false, restockingFeePct: 15,
                          unitWeightGrams: 2300, updatedAt: "2026-11-24T09:00:00Z"),
            SupplierOffer(supplierID: "sup-shenzhen-3", sku: "LAMP-ARC-BLK", availableQty: 0, unitCost: "21.40",
                          currency: "EUR", shipsFrom: "CN", updatedAt: "2026-11-24T09:00:00Z")
        ),
        .supplierOrderUpdate: (
            SupplierOrderUpdate(orderID: "ord-1001", supplierID: "sup-lyon-2", purchaseOrderID: "po-ord-1001-2-sup-lyon-2",
                                status: .shipped, reason: "left the warehouse", skus: ["LAMP-ARC-BLK"], carrier: "colissimo",
                                trackingNumber: "6A12345678901", at: "2026-11-25T17:00:00Z"),
            SupplierOrderUpdate(orderID: "ord-1001", supplierID: "sup-lyon-2", status: .accepted, at: "2026-11-24T12:40:00Z")
        ),
        .supplierStatus: (
            SupplierStatus(supplierID: "sup-shenzhen-3", status: .outage, reason: "warehouse system down",
                           expectedRecoveryAt: "2026-11-25T06:00:00Z", updatedAt: "2026-11-24T11:00:00Z"),
            SupplierStatus(supplierID: "sup-shenzhen-3", status: .ok, updatedAt: "2026-11-24T11:00:00Z")
        ),
    ]
}
