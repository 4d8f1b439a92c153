import DropflowCore
import DropflowJSON
import DropflowContract
import Testing
@testable import DropflowSimulator

/// Supplier feeds: stock that sells down and replenishes, liars, late batches, outages.
@Suite struct SupplierFeedTests {
    /// Ten days at 200 orders a day.
    static let config = SimulationConfig(seed: 5, orders: 2_000, ordersPerDay: 200)
    static let run = Simulation.run(config)
    static let all = Array(run)

    static func profile(of record: SimRecord) -> SupplierProfile? {
        let id = record.value?["supplier_id"]?.stringValue ?? record.key.map { String($0.split(separator: "/")[0]) }
        return run.world.suppliers.first { $0.id == id }?.profile
    }

    @Test func everyOfferIsPublishedAtTheStartThenOnlyChanges() {
        let atStart = Self.all.filter { $0.topic == SimRecord.Topic.supplierOffers && $0.at == start }
        let offerCount = Self.run.world.suppliers.reduce(0) { $0 + $1.offers.count }
        #expect(atStart.count == offerCount)
        #expect(Set(atStart.compactMap(\.key)).count == offerCount)
        let statusAtStart = Self.all.filter { $0.topic == SimRecord.Topic.supplierStatus && $0.at == start }
        #expect(statusAtStart.count == Self.config.supplierCount && statusAtStart.allSatisfy { $0.value?["status"] == "ok" })
    }

    @Test func stockLiarsMisstateStockAndReliableSuppliersDoNot() {
        let offers = Self.all.filter { $0.topic == SimRecord.Topic.supplierOffers && $0.value != nil && $0.at > start }
        func misreportedShare(_ profile: SupplierProfile) -> Double {
            let mine = offers.filter { Self.profile(of: $0) == profile }
            return Double(mine.filter { $0.truth?["stock_misreported"] == true }.count) / Double(max(1, mine.count))
        }
        #expect(misreportedShare(.stockLiar) > 0.2)
        #expect(misreportedShare(.fastReliable) == 0)
        // A misreported offer states more than the supplier has.
        for record in offers where record.truth?["stock_misreported"] == true {
            #expect(record.value!["available_qty"]!.intValue! > record.truth!["true_available_qty"]!.intValue!)
        }
    }

    /// A stock liar hides its stockouts: out of stock, it states a few units; the others state 0.
    @Test func stockLiarsNeverStateZero() {
        let offers = Self.all.filter { $0.topic == SimRecord.Topic.supplierOffers && $0.value != nil }
        var hidden = 0
        var honestZeros = 0
        for record in offers where record.truth?["true_available_qty"] == 0 {
            let stated = record.value!["available_qty"]!.intValue!
            if Self.profile(of: record) == .stockLiar {
                #expect(stated > 0 && record.truth?["stock_misreported"] == true)
                hidden += 1
            } else if Self.profile(of: record) == .fastReliable {
                #expect(stated == 0)
                honestZeros += 1
            }
        }
        #expect(hidden > 0 && honestZeros > 0)
    }

    @Test func someBatchesArriveHoursLate() {
        let offers = Self.all.filter { $0.topic == SimRecord.Topic.supplierOffers && $0.value != nil }
        let late = offers.filter { $0.truth?["late"] == true }
        #expect(!late.isEmpty)
        for record in late {
            let updated = SimInstant(rfc3339: record.value!["updated_at"]!.stringValue!)!
            #expect((record.at - updated).seconds >= 3_600)
        }
        #expect(offers.filter { $0.truth?["late"] == false }.allSatisfy {
            (($0.at - SimInstant(rfc3339: $0.value!["updated_at"]!.stringValue!)!).seconds) <= 180
        })
    }

    @Test func stockSellsDownAndReplenishes() {
        var history: [String: [Int]] = [:]
        for record in Self.all where record.topic == SimRecord.Topic.supplierOffers {
            if let qty = record.truth?["true_available_qty"]?.intValue { history[record.key!, default: []].append(qty) }
        }
        let soldDown = history.values.filter { $0.count > 1 && $0.last! < $0.first! }.count
        let replenished = history.values.filter { zip($0, $0.dropFirst()).contains { $1 > $0 } }.count
        #expect(Double(soldDown) > 0.5 * Double(history.count))
        #expect(replenished > 0)
    }

    @Test func degradedEpisodesAreAnnouncedAndEnd() {
        let statuses = Self.all.filter { $0.topic == SimRecord.Topic.supplierStatus && $0.at > start }
        let degraded = statuses.filter { $0.value?["status"] == "degraded" }
        #expect(!degraded.isEmpty)
        for record in degraded {
            #expect(record.truth?["true_status"] == "degraded")
            #expect(statuses.contains { $0.key == record.key && $0.at > record.at && $0.value?["status"] == "ok" }
                    || (Self.all.last!.at - record.at).hours < 12)
        }
    }

    static func outageRun(_ announcement: Announcement) -> (SupplierOutage, [SimRecord], String) {
        let world = World.generate(SimulationConfig(seed: 6))
        let id = world.suppliers[world.majorSupplierIndex].id
        let outage = SupplierOutage(supplierID: nil, start: start + .hours(10), duration: .hours(30), announcement: announcement)
        let all = records(SimulationConfig(seed: 6, orders: 3_000, ordersPerDay: 1_000, scenarios: [.supplierOutage(outage)]))
        return (outage, all.filter { $0.key == id || $0.key?.hasPrefix(id + "/") == true }, id)
    }

    @Test func anOutageAnnouncedLateComesOutWhenConfiguredAndTheFeedGoesDown() throws {
        let (outage, mine, _) = Self.outageRun(.late(.hours(3)))
        let announcement = try #require(mine.first { $0.topic == SimRecord.Topic.supplierStatus && $0.value?["status"] == "outage" })
        #expect(announcement.at == outage.start + .hours(3))
        #expect(announcement.truth?["true_since"]?.stringValue == outage.start.rfc3339)
        #expect(announcement.value?["expected_recovery_at"] != nil)
        let end = outage.start + outage.duration
        let recovery = try #require(mine.first {
            $0.topic == SimRecord.Topic.supplierStatus && $0.value?["status"] == "ok" && $0.at > start
        })
        #expect(recovery.at >= end && (recovery.at - end).hours <= 2)
        // No offer snapshot taken between the announcement and the end.
        #expect(!mine.contains {
            guard $0.topic == SimRecord.Topic.supplierOffers, let u = $0.value?["updated_at"]?.stringValue else { return false }
            let updated = SimInstant(rfc3339: u)!
            return updated >= announcement.at && updated < end
        })
    }

    @Test func anUnannouncedOutageLeavesStatusOkAndStaleOffersWhoseTruthTellsTheOutage() {
        let (outage, mine, _) = Self.outageRun(.never)
        #expect(!mine.contains { $0.topic == SimRecord.Topic.supplierStatus && $0.value?["status"] != "ok" })
        let during = mine.filter {
            guard $0.topic == SimRecord.Topic.supplierOffers, let u = $0.value?["updated_at"]?.stringValue else { return false }
            let updated = SimInstant(rfc3339: u)!
            return outage.start <= updated && updated < outage.start + outage.duration
        }
        #expect(!during.isEmpty, "the daily full refresh still publishes")
        #expect(during.allSatisfy { $0.truth?["supplier_true_status"] == "outage" })
    }

    @Test func aPromptAnnouncementComesWithinMinutes() throws {
        let (outage, mine, _) = Self.outageRun(.prompt)
        let announcement = try #require(mine.first { $0.topic == SimRecord.Topic.supplierStatus && $0.value?["status"] == "outage" })
        #expect((announcement.at - outage.start).seconds <= 15 * 60)
    }
}
