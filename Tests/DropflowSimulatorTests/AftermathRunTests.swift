import DropflowCore
import DropflowJSON
import DropflowContract
import Testing
@testable import DropflowSimulator

/// `FulfilledRun`: whole order lifecycles, valid, ordered and reproducible.
@Suite struct AftermathRunTests {
    static func config(seed: UInt64, orders: Int = 2_000) -> SimulationConfig {
        SimulationConfig(seed: seed, orders: orders, ordersPerDay: 1_000, scenarios: Scenario.all(from: start, days: 2))
    }

    /// One fulfilled run with every scenario, shared by the tests of this suite.
    static let all: [SimRecord] = Array(FulfilledRun(run: Simulation.run(config(seed: 2026))))

    @Test func everyRecordValidatesAgainstItsTopicsSchemaAndComesInTimeOrder() throws {
        var byTopic: [String: Int] = [:]
        for record in Self.all {
            let topic = try #require(Contract.topic(named: record.topic), "\(record.topic) is not a contract topic")
            byTopic[record.topic, default: 0] += 1
            guard let value = record.value else {
                #expect(record.topic == SimRecord.Topic.supplierOffers)
                continue
            }
            let violations = try #require(topic.schema).validate(value)
            #expect(violations.isEmpty, "\(record.topic) \(record.key ?? "-"): \(violations)")
            switch record.topic {
            case SimRecord.Topic.ordersPlaced, SimRecord.Topic.purchaseOrders, SimRecord.Topic.supplierOrderUpdates,
                 SimRecord.Topic.shipmentsEvents, SimRecord.Topic.returnsRequested, SimRecord.Topic.supportInquiries:
                #expect(record.key == value["order_id"]?.stringValue)
            default: break
            }
            #expect(value["intent"] == nil && value["category"] == nil && value["outcome"] == nil && value["is_fraud"] == nil)
        }
        #expect(zip(Self.all, Self.all.dropFirst()).allSatisfy { $0.at <= $1.at })
        #expect(byTopic[SimRecord.Topic.ordersPlaced] == 2_000)
        #expect((byTopic[SimRecord.Topic.purchaseOrders] ?? 0) >= 2_000)
        #expect((byTopic[SimRecord.Topic.supplierOrderUpdates] ?? 0) > 4_000)
        #expect((byTopic[SimRecord.Topic.shipmentsEvents] ?? 0) > 10_000)
        #expect((byTopic[SimRecord.Topic.returnsRequested] ?? 0) > 50)
        #expect((byTopic[SimRecord.Topic.supportInquiries] ?? 0) > 50)
        // The run goes on after its last order: parcels of the last orders are delivered.
        let lastOrder = try #require(Self.all.last { $0.topic == SimRecord.Topic.ordersPlaced })
        #expect(Self.all.contains { $0.topic == SimRecord.Topic.shipmentsEvents && $0.value?["status"] == "delivered"
            && $0.at > lastOrder.at + .days(3) })
    }

    @Test func theOrderStreamIsUnchangedAndEveryOrderGetsAPurchaseOrder() throws {
        let base = records(Self.config(seed: 2026))
        let baseTopics: Set<String> = [SimRecord.Topic.ordersPlaced, SimRecord.Topic.supplierOffers, SimRecord.Topic.supplierStatus,
                                       SimRecord.Topic.carrierRates]
        #expect(Self.all.filter { baseTopics.contains($0.topic) } == base)
        let ordered = Set(Self.all.filter { $0.topic == SimRecord.Topic.purchaseOrders }.compactMap(\.key))
        #expect(ordered == Set(orders(base).compactMap(\.key)), "the baseline merchant screens nothing")
        for po in Self.all where po.topic == SimRecord.Topic.purchaseOrders {
            #expect(po.truth == ["source": "baseline_merchant"])
            let id = try #require(po.value?["purchase_order_id"]?.stringValue)
            #expect(id == "po-\(po.key!)-\(po.value!["supplier_id"]!.stringValue!)-1")
        }
    }

    @Test func sameSeedGivesIdenticalBytesAndAnotherSeedOthers() {
        func bytes(_ seed: UInt64) -> [UInt8] {
            var out: [UInt8] = []
            for record in FulfilledRun(run: Simulation.run(Self.config(seed: seed, orders: 600))) {
                out += record.jsonLineBytes()
            }
            return out
        }
        let a = bytes(7)
        #expect(a.count > 1_000_000)
        #expect(a == bytes(7))
        #expect(a != bytes(8))
    }

    @Test func inquiriesComeInSeveralLanguagesWithEveryIntent() throws {
        let inquiries = Self.all.filter { $0.topic == SimRecord.Topic.supportInquiries }
        let languages = Set(inquiries.compactMap { $0.truth?["text_language"]?.stringValue })
        #expect(languages.isSuperset(of: ["en", "de", "fr", "es"]))
        let intents = Set(inquiries.compactMap { $0.truth?["intent"]?.stringValue })
        #expect(intents == Set(InquiryIntent.allCases.map(\.rawValue)))
        let categories = Set(Self.all.filter { $0.topic == SimRecord.Topic.returnsRequested }
            .flatMap { $0.truth?["lines"]?.arrayValue ?? [] }.compactMap { $0["category"]?.stringValue })
        #expect(categories == Set(ReturnCategory.allCases.map(\.rawValue)))
        // German customers write German.
        let german = inquiries.filter { $0.value?["language"]?.stringValue == "de-DE" }
        #expect(!german.isEmpty && german.allSatisfy { $0.truth?["text_language"] == "de" })
    }

    @Test func customersReactAfterWhatTheyReactTo() throws {
        var placed: [String: SimInstant] = [:]
        var delivered: [String: SimInstant] = [:]
        var patterns: [String: String] = [:]
        for record in Self.all {
            guard let key = record.key else { continue }
            switch record.topic {
            case SimRecord.Topic.ordersPlaced:
                placed[key] = record.at
                patterns[key] = record.pattern
            case SimRecord.Topic.shipmentsEvents where record.value?["status"] == "delivered":
                delivered[key] = min(delivered[key] ?? record.at, record.at)
            case SimRecord.Topic.supportInquiries, SimRecord.Topic.returnsRequested:
                let p = try #require(placed[key])
                #expect(record.at > p)
                let silent = ["card_testing", "stolen_card", "fraud_ring"].contains(patterns[key] ?? "")
                #expect(!silent, "fraudsters do not write")
                if record.topic == SimRecord.Topic.returnsRequested {
                    let d = try #require(delivered[key], "a return follows a delivery")
                    #expect(record.at >= d)
                }
            default: break
            }
        }
        let claims = Self.all.filter { $0.truth?["cause"] == "friendly_fraud" }
        #expect(!claims.isEmpty)
        for claim in claims {
            #expect(patterns[claim.key!] == "friendly_fraud")
            let d = try #require(claim.truth?["delivered_at"]?.stringValue.flatMap(SimInstant.init(rfc3339:)))
            #expect(claim.at > d && delivered[claim.key!] != nil && delivered[claim.key!]! <= d)
        }
    }

    /// Under the baseline merchant, every answer comes from the true stock: a backordered line
    /// lacked the units, an accepted one had them; purchase orders carry carriers the supplier
    /// uses, and the responder's ledger holds what they took.
    @Test func theBaselinesAnswersComeFromTheTrueStock() throws {
        var backordered = 0
        var accepted = 0
        for record in Self.all where record.topic == SimRecord.Topic.supplierOrderUpdates {
            switch record.value?["status"]?.stringValue {
            case "backordered":
                let truth = try #require(record.truth)
                #expect(truth["available_qty"]!.intValue! < truth["quantity"]!.intValue!)
                #expect(["out_of_stock", "stock_misreported", "taken_by_earlier_purchase_orders"].contains(truth["cause"]!.stringValue!))
                backordered += 1
            case "accepted":
                for line in record.truth?["stock"]?.arrayValue ?? [] {
                    #expect(line["available_qty"]!.intValue! >= line["quantity"]!.intValue!)
                }
                accepted += 1
            default: break
            }
        }
        #expect(accepted > 1_500 && backordered > 0)
        // Carrier rates come first, before anything of the order stream.
        #expect(Self.all.prefix { $0.at == start }.contains { $0.topic == SimRecord.Topic.carrierRates })
    }
}
