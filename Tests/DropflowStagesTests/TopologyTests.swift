import DropflowContract
import DropflowFraudModel
import DropflowKafka
import DropflowPipeline
import DropflowRuntime
import DropflowStages
import Foundation
import Testing

/// Every topic is declared once: the stages name only declared topics, `dropflow topics create`
/// makes what the declarations say, and docs/topics.md agrees with them.
@Suite struct TopologyTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardizedFileURL

    @Test func theDocumentMatchesTheDeclarations() throws {
        let doc = try String(contentsOf: Self.repo.appendingPathComponent("docs/topics.md"), encoding: .utf8)
        let begin = try #require(doc.range(of: "<!-- topology:begin -->\n"))
        let end = try #require(doc.range(of: "<!-- topology:end -->"))
        let table = String(doc[begin.upperBound..<end.lowerBound])
        #expect(table == Topology.documentationTable,
                "docs/topics.md differs from the declarations; put `dropflow topics table` between the markers:\n\(Topology.documentationTable)")
    }

    @Test func namesAreUniqueAndEveryStageNamesOnlyDeclaredTopics() throws {
        let all = Topology.all + [PassthroughStage.input, PassthroughStage.output]
        #expect(Set(all.map(\.name)).count == all.count, "a topic is declared twice")
        #expect(Set(all.map(\.ceType)).count == all.count, "two topics share a ce_type")
        let declared = Set(all)
        let stages = [IntakeStage.definition(), FraudStage.definition(model: try shippedFraudModel()), PassthroughStage.definition()]
        for stage in stages {
            for topic in stage.inputs.map(\.topic) + stage.outputs + stage.tables + stage.followed.map(\.topic) {
                #expect(declared.contains(topic), "\(stage.name) names \(topic.name), which no declaration has")
            }
        }
    }

    @Test func topicSetupFollowsTheDeclarations() throws {
        let retained = TopicDeclaration(name: "kept.a.while", key: "k", ceType: "dropflow.kept", schema: nil, role: .pipeline,
                                        retention: .seconds(86_400))
        let specs = TopicSetup.specs(Topology.all + [retained, .ordersPlaced], prefix: "acme.", partitions: 4, replicationFactor: 3)
        let byName = Dictionary(uniqueKeysWithValues: specs.map { ($0.name, $0) })
        #expect(specs.count == byName.count, "a topic listed twice is created once")
        #expect(byName["acme.supplier.offers"]?.config["cleanup.policy"] == "compact")
        #expect(byName["acme.carrier.rates"]?.config["cleanup.policy"] == "compact")
        #expect(byName["acme.intake.seen"]?.config["cleanup.policy"] == "compact,delete")
        #expect(byName["acme.fraud.held"]?.config["cleanup.policy"] == "compact")
        #expect(byName["acme.fraud.signals"]?.config["retention.ms"] == String(Topology.horizonRetention.milliseconds))
        for topic in Topology.pipeline where topic.cleanup != .compact {
            #expect(topic.retention != nil, "\(topic.name): every pipeline topic but a table of what waits declares its retention")
        }
        #expect(byName["acme.orders.placed"]?.config.isEmpty == true)
        #expect(byName["acme.kept.a.while"]?.config["retention.ms"] == "86400000")
        #expect(specs.allSatisfy { $0.partitions == 4 && $0.replicationFactor == 3 })
        for topic in Topology.all {
            #expect(byName[topic.fullName(prefix: "acme.")] != nil)
            #expect((byName[topic.deadLetterName(prefix: "acme.")] != nil) == (topic.role != .output),
                    "\(topic.name): a .dlq beside every topic a stage reads, and only there")
        }
    }
}
