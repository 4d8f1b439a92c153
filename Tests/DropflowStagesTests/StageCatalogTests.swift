import DropflowContract
import DropflowCore
import DropflowFraudModel
import DropflowRouting
import DropflowRuntime
import DropflowStages
import DropflowWorkerHost
import Foundation
import Testing

/// The executable runs stages from the catalog: each entry's options come with help and a
/// variable, the README documents every one, and the options make the stage's definition.
@Suite struct StageCatalogTests {
    static let readme = try! String(contentsOf: TopologyTests.repo.appendingPathComponent("README.md"), encoding: .utf8)

    @Test func everyStageHasAnEntryAndEveryOptionIsDocumented() {
        #expect(StageCatalog.entries.map(\.name) == ["intake", "fraud", "routing", "passthrough"])
        for entry in StageCatalog.entries {
            let settings = WorkerHost.settings(for: entry)
            #expect(Set(settings.map(\.name)).count == settings.count, "\(entry.name): an option declared twice")
            let help = WorkerHost.help(for: entry)
            for s in settings {
                #expect(help.contains(s.flag) && help.contains(s.environment), "\(entry.name) --help lacks \(s.flag)")
            }
        }
        let begin = Self.readme.range(of: "<!-- worker-options:begin -->\n")
        let end = Self.readme.range(of: "<!-- worker-options:end -->")
        let table = begin.flatMap { b in end.map { String(Self.readme[b.upperBound..<$0.lowerBound]) } }
        let expected = WorkerHost.optionsTable(StageCatalog.entries)
        #expect(table == expected, "README's table of worker options differs from their declarations; it should read:\n\(expected)")
    }

    @Test func optionsMakeTheStagesDefinition() throws {
        let intake = try #require(StageCatalog.entry(named: "intake"))
        let values = try SettingValues(arguments: ["--max-lines", "3", "--unknown-sku", "reject", "--max-order-value", "99.50"],
                                       environment: [:], settings: WorkerHost.settings(for: intake))
        let policy = IntakeStage.Settings.policy(values)
        #expect(policy.maxLines == 3 && policy.unknownSKU == .reject && policy.maxOrderValue == MoneyAmount("99.50"))
        #expect(throws: SettingError.self) {
            try SettingValues(arguments: ["--unknown-sku", "maybe"], environment: [:], settings: WorkerHost.settings(for: intake))
        }
        #expect(try intake.makeDefinition(values).name == "intake")

        let fraud = try #require(StageCatalog.entry(named: "fraud"))
        let model = TopologyTests.repo.appendingPathComponent("models/fraud-model.json").path
        let good = try SettingValues(arguments: ["--fraud-model", model, "--review-at", "0.2", "--decline-at", "0.9"], environment: [:],
                                     settings: WorkerHost.settings(for: fraud))
        #expect(try fraud.makeDefinition(good).name == "fraud")
        let crossed = try SettingValues(arguments: ["--fraud-model", model, "--review-at", "0.9", "--decline-at", "0.2"], environment: [:],
                                        settings: WorkerHost.settings(for: fraud))
        #expect(throws: (any Error).self) { try fraud.makeDefinition(crossed) }
        // The merchant's costs override the model file's; thresholds switch the rule.
        let shipped = try FraudModel.load(path: model).policy
        #expect(shipped.rule == .expectedCost)
        let costly = try SettingValues(arguments: ["--chargeback-fee", "40", "--margins", "electronics=0.1, *=0.25,Toys=0.5",
                                                   "--held-customer-loss", "0.1"],
                                       environment: ["DROPFLOW_FRAUD_REVIEW_COST": "4.5"], settings: WorkerHost.settings(for: fraud))
        let overridden = try FraudStage.Settings.policy(costly, from: shipped)
        #expect(overridden.rule == .expectedCost && overridden.costs.chargebackFee == 40 && overridden.costs.reviewCost == 4.5)
        #expect(overridden.costs.marginByCategory["electronics"] == 0.1 && overridden.costs.marginByCategory["toys"] == 0.5)
        #expect(overridden.costs.defaultMargin == 0.25 && overridden.costs.heldCustomerLoss == 0.1)
        #expect(overridden.costs.marginByCategory["apparel"] == shipped.costs.marginByCategory["apparel"], "the rest stay")
        #expect(try FraudStage.Settings.policy(good, from: shipped).rule == .thresholds)
        for bad in [["--margins", "electronics"], ["--margins", "toys=2"], ["--chargeback-fee", "-1"], ["--held-customer-loss", "3"]] {
            let values = try SettingValues(arguments: bad, environment: [:], settings: WorkerHost.settings(for: fraud))
            #expect(throws: SettingError.self, "\(bad)") { try FraudStage.Settings.policy(values, from: shipped) }
        }
        // --fraud-rate moves the model's probabilities to the storefront's rate; a model file
        // that does not record its own rate cannot be moved.
        func fraudModel(_ arguments: [String]) throws -> FraudModel {
            try FraudStage.Settings.model(try SettingValues(arguments: arguments, environment: [:],
                                                            settings: WorkerHost.settings(for: fraud)))
        }
        let moved = try fraudModel(["--fraud-model", model, "--fraud-rate", "0.03"])
        let asShipped = try FraudModel.load(path: model).calibration
        #expect(moved.calibration.fraudRate == 0.03 && moved.calibration.b != asShipped.b)
        #expect(try fraudModel(["--fraud-model", model]).calibration == asShipped)
        #expect(throws: SettingError.self) { try fraudModel(["--fraud-model", model, "--fraud-rate", "0"]) }
        let older = TopologyTests.repo.appendingPathComponent("Tests/DropflowToolsTests/Fixtures/fraud-model-thresholds.json").path
        #expect(throws: SettingError.self) { try fraudModel(["--fraud-model", older, "--fraud-rate", "0.03"]) }
        #expect(try fraudModel(["--fraud-model", older]).policy.rule == .thresholds, "an older file still loads")
        let missing = try SettingValues(arguments: ["--fraud-model", "/nonexistent/model.json"], environment: [:],
                                        settings: WorkerHost.settings(for: fraud))
        #expect(throws: (any Error).self) { try fraud.makeDefinition(missing) }

        // Routing: the merchant's rates, promises and weights; nonsense is refused with the option's name.
        let routing = try #require(StageCatalog.entry(named: "routing"))
        func routingConfig(_ arguments: [String]) throws -> RoutingConfig {
            try RoutingStage.Settings.config(try SettingValues(arguments: arguments, environment: [:], settings: WorkerHost.settings(for: routing)))
        }
        let defaults = try routingConfig([])
        #expect(defaults.version == RoutingConfig().version && defaults.promiseDays == RoutingConfig().promiseDays)
        let set = try routingConfig(["--exchange-rates", "USD=0.9, nok=0.085", "--promise-days", "express=3", "--on-time-confidence", "0.8",
                                     "--priority-weights", "speed=0.5/3/1/2; margin=1/0/0/0"])
        #expect(set.exchangeRates["USD"] == 0.9 && set.exchangeRates["NOK"] == 0.085 && set.exchangeRates["EUR"] == 1)
        #expect(set.promiseDays[.express] == 3 && set.promiseDays[.standard] == 9 && set.minimumOnTimeProbability == 0.8)
        #expect(set.weights[.speed] == RoutingConfig.Weights(cost: 0.5, lateness: 3, risk: 1, perDay: 2))
        #expect(set.weights[.margin] == RoutingConfig.Weights(cost: 1, lateness: 0, risk: 0, perDay: 0))
        #expect(set.version != defaults.version, "the explanation names the configuration that decided")
        for bad in [["--exchange-rates", "USD"], ["--exchange-rates", "USD=-1"], ["--promise-days", "overnight=1"],
                    ["--on-time-confidence", "1.5"], ["--priority-weights", "speed=1/2/3"]] {
            #expect(throws: SettingError.self, "\(bad)") { try routingConfig(bad) }
        }
        #expect(try routing.makeDefinition(try SettingValues(arguments: [], environment: [:], settings: WorkerHost.settings(for: routing))).name
                == "routing")

        let passthrough = try #require(StageCatalog.entry(named: "passthrough"))
        let renamed = try SettingValues(arguments: [], environment: ["DROPFLOW_PASSTHROUGH_INPUT": "chain.0", "DROPFLOW_PASSTHROUGH_OUTPUT": "chain.1"],
                                        settings: WorkerHost.settings(for: passthrough))
        let d = try passthrough.makeDefinition(renamed)
        #expect(d.inputs.map(\.name) == ["chain.0"] && d.outputs.map(\.name) == ["chain.1"])
    }
}
