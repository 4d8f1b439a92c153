import DropflowContract
import DropflowCore
import DropflowFraudModel
import Foundation
import Testing
@testable import DropflowTraining

/// Training sees orders as the fraud stage does (through intake), and the same history and
/// seed give the same model file.
@Suite struct TrainingTests {
    @Test func ordersGoThroughIntakeFirst() throws {
        let simulated = FraudTraining.simulatedHistory(orders: 400, seed: 3)
        #expect(simulated.count == 400)
        #expect(simulated.contains { $0.isFraud })
        var bad = simulated[0]
        bad.order.lines[0].quantity = 1_000  // above intake's limit of 100
        let (accepted, notAccepted) = FraudTraining.throughIntake(simulated + [bad])
        #expect(notAccepted >= 1)
        let values = accepted.map { $0.computedValue.flatMap { MoneyAmount($0) } }
        #expect(values.allSatisfy { $0 != nil }, "each carries intake's order value")
        #expect(accepted.allSatisfy { $0.order.customer.email == $0.order.customer.email.lowercased() }, "normalized")
    }

    @Test func theSameHistoryAndSeedGiveTheSameModelFile() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("train-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: dir) }
        var training = FraudTraining()
        training.orders = 3_000
        training.seed = 4
        training.checkOrders = 0
        training.output = dir.appendingPathComponent("a/model.json").path
        let first = try training.run()
        // Three storefronts, 3,000 orders in all, each simulated on its own.
        let simulated = first.notes.filter { $0.hasPrefix("simulated ") }
        #expect(simulated.count == 3, "\(first.notes)")
        #expect(simulated.map { Int($0.split(separator: " ")[1]) ?? 0 }.reduce(0, +) == 3_000, "\(simulated)")
        training.output = dir.appendingPathComponent("b/model.json").path
        _ = try training.run()
        let a = try Data(contentsOf: dir.appendingPathComponent("a/model.json"))
        let b = try Data(contentsOf: dir.appendingPathComponent("b/model.json"))
        #expect(a == b)
        let model = try FraudModel.load(path: dir.appendingPathComponent("a/model.json").path)
        #expect(model.featureNames == FraudFeature.names)
    }
}
