import DropflowCore
import DropflowKafka
import DropflowKafkaTesting
import Foundation
import Testing

/// Keyed messages with headers come back byte for byte as they were sent.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct RoundTripTests {
    @Test("round trip of keyed messages with headers is byte-exact", arguments: Backend.allCases)
    func roundTrip(backend: Backend) async throws {
        let cluster = try TestCluster(backend)
        let topic = uniqueName("roundtrip")
        try await cluster.createTopic(topic, partitions: 3)

        // Every byte value in keys, values and headers; a null-valued header,
        // an empty value and a tombstone (null value).
        var sent: [KafkaProducerMessage] = []
        for i in 0..<60 {
            let key: [UInt8] = Array("order-\(i % 7)".utf8) + [0, 255, UInt8(i)]
            let value: [UInt8]? = switch i {
            case 13: nil
            case 14: []
            default: (0..<(200 + i)).map { UInt8(($0 * 31 + i) % 256) }
            }
            let headers = [
                KafkaHeader(key: "ce_id", string: "id-\(i)"),
                KafkaHeader(key: "bin", value: [0, 1, 2, 254, 255, UInt8(i)]),
                KafkaHeader(key: "empty", value: nil),
                KafkaHeader(key: "ce_id", string: "second-with-same-key-\(i)"),
            ]
            sent.append(KafkaProducerMessage(topic: topic, key: key, value: value, headers: headers))
        }
        let producer = try cluster.producer()
        var reports: [KafkaDeliveryReport] = []
        for m in sent { reports.append(try await producer.send(m)) }
        await producer.close()
        #expect(reports.allSatisfy { $0.topic == topic && $0.offset >= 0 })

        let consumer = try cluster.consumer(group: uniqueName("g"))
        try consumer.subscribe(topics: [topic])
        let got = try await read(consumer, count: sent.count)
        try await consumer.close()

        // Byte-exact, and in send order within each key (same key, same partition).
        for (index, m) in sent.enumerated() {
            let copies = got.filter { $0.key == m.key && $0.headers.first?.stringValue == "id-\(index)" }
            #expect(copies.count == 1, "message \(index) arrived \(copies.count) times")
            guard let c = copies.first else { continue }
            #expect(c.value == m.value, "value of message \(index)")
            #expect(c.headers == m.headers, "headers of message \(index)")
            #expect(c.topic == topic)
            let report = reports[index]
            #expect(c.partition == report.partition && c.offset == report.offset)
        }
        let byKey = Dictionary(grouping: got, by: { $0.key! })
        for (_, ms) in byKey {
            #expect(Set(ms.map(\.partition)).count == 1, "one key, one partition")
            #expect(ms.map(\.offset) == ms.map(\.offset).sorted(), "order kept within a key")
        }
    }
}
