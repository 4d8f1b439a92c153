import DropflowCore
import Foundation
import Logging
import Testing
@testable import DropflowObservability

@Suite struct JSONLogHandlerTests {
    let fixedDate = Date(timeIntervalSince1970: 1_714_566_896.789)

    func makeLogger(_ sink: LineSink) -> Logger {
        let date = self.fixedDate
        var logger = Logger(label: "dropflow.test") { label in
            JSONLogHandler(label: label, metadataProvider: nil, sink: sink.sink, clock: { date })
        }
        logger.logLevel = .debug
        return logger
    }

    @Test func lineHasFixedFieldsAndFlattenedMetadata() throws {
        let sink = LineSink()
        var logger = self.makeLogger(sink)
        logger[metadataKey: "stage"] = "validate"
        logger[metadataKey: "kafka.topic"] = "overridden"
        logger.info(
            "record handled",
            metadata: [
                "kafka.topic": "orders.v1",
                "kafka.partition": .stringConvertible(3),
                "tags": ["a", "b"],
                "ctx": ["k": "v", "n": ["x"]],
                "msg": "clashes with a fixed field",
            ]
        )
        logger.trace("below the level")

        #expect(sink.lines.count == 1)
        let line = try #require(sink.lines.first)
        #expect(!line.contains("\n"))
        let object = try parseJSONObject(line)
        #expect(object["ts"] as? String == "2024-05-01T12:34:56.789Z")
        #expect(object["level"] as? String == "info")
        #expect(object["label"] as? String == "dropflow.test")
        #expect(object["msg"] as? String == "record handled")
        #expect(object["source"] as? String == "DropflowObservabilityTests")
        #expect(object["stage"] as? String == "validate")
        #expect(object["kafka.topic"] as? String == "orders.v1")
        #expect(object["kafka.partition"] as? String == "3")
        #expect(object["tags"] as? [String] == ["a", "b"])
        let ctx = try #require(object["ctx"] as? [String: Any])
        #expect(ctx["k"] as? String == "v")
        #expect(ctx["n"] as? [String] == ["x"])
        #expect(object["meta.msg"] as? String == "clashes with a fixed field")
        #expect(line.hasPrefix(#"{"ts":"2024-05-01T12:34:56.789Z","level":"info","label":"dropflow.test","msg":"record handled","source":"#))
    }

    @Test func escapesQuotesControlCharactersAndUnicode() throws {
        let sink = LineSink()
        let logger = self.makeLogger(sink)
        let tricky = "he said \"hi\"\nline2\r\ttab \\ back \u{01}\u{1F} ☃ 😀 é \u{2028}"
        logger.warning("\(tricky)", metadata: ["payload": "\(tricky)", "we\"ird\nkey": "v"])

        let line = try #require(sink.lines.first)
        #expect(!line.contains("\n"))
        #expect(!line.contains("\r"))
        #expect(line.contains(#"\"hi\""#))
        #expect(line.contains(#"\n"#))
        #expect(line.contains(#"\u0001"#))
        #expect(line.contains(#"\u001f"#))
        #expect(line.contains("☃ 😀 é"))
        let object = try parseJSONObject(line)
        #expect(object["msg"] as? String == tricky)
        #expect(object["payload"] as? String == tricky)
        #expect(object["we\"ird\nkey"] as? String == "v")
        #expect(object["level"] as? String == "warning")
    }

    @Test func masksSecretsAtEveryDepth() throws {
        let sink = LineSink()
        var logger = self.makeLogger(sink)
        logger[metadataKey: "sasl.password"] = "hunter2"
        logger.error(
            "connecting",
            metadata: [
                "ClientSecret": "s3cr3t",
                "api_TOKEN": ["t0k3n", "more"],
                "user": "bob",
                "nested": ["db_password": "pw", "host": "localhost"],
                "list": [["refresh_token": "rt"], "plain"],
            ]
        )

        let line = try #require(sink.lines.first)
        for secret in ["hunter2", "s3cr3t", "t0k3n", "\"pw\"", "\"rt\""] {
            #expect(!line.contains(secret), "leaked \(secret)")
        }
        let object = try parseJSONObject(line)
        #expect(object["sasl.password"] as? String == "******")
        #expect(object["ClientSecret"] as? String == "******")
        #expect(object["api_TOKEN"] as? String == "******")
        #expect(object["user"] as? String == "bob")
        let nested = try #require(object["nested"] as? [String: Any])
        #expect(nested["db_password"] as? String == "******")
        #expect(nested["host"] as? String == "localhost")
        let list = try #require(object["list"] as? [Any])
        #expect((list.first as? [String: Any])?["refresh_token"] as? String == "******")
        #expect(list.last as? String == "plain")
    }

    @Test func eventErrorAndProviderMetadataAreIncluded() throws {
        struct Boom: Error, CustomStringConvertible {
            var description: String { "boom" }
        }
        let sink = LineSink()
        let provider = Logger.MetadataProvider { ["trace.id": "abc", "session_token": "zzz"] }
        let handler = JSONLogHandler(label: "l", metadataProvider: provider, sink: sink.sink, clock: { Date(timeIntervalSince1970: 0) })
        handler.log(
            event: LogEvent(
                level: .critical, message: "failed", error: Boom(), metadata: nil,
                source: "Src", file: #fileID, function: #function, line: #line
            )
        )
        let object = try parseJSONObject(try #require(sink.lines.first))
        #expect(object["ts"] as? String == "1970-01-01T00:00:00.000Z")
        #expect(object["level"] as? String == "critical")
        #expect(object["source"] as? String == "Src")
        #expect(object["trace.id"] as? String == "abc")
        #expect(object["session_token"] as? String == "******")
        #expect(object["error.message"] as? String == "boom")
        #expect((object["error.type"] as? String)?.hasSuffix("Boom") == true)
    }

    @Test func humanFormatMasksSecretsBeforeTheWrappedHandler() throws {
        let recorder = RecordingLogHandler()
        var logger = Logger(label: "h") { _ in RedactingLogHandler(wrapping: recorder) }
        logger[metadataKey: "kafka.sasl.password"] = "hunter2"
        logger.info("hello", metadata: ["oauth.token": "t", "topic": "orders"])

        #expect(logger[metadataKey: "kafka.sasl.password"] == "******")
        let event = try #require(recorder.events.withLock { $0.first })
        #expect(event.metadata?["oauth.token"] == "******")
        #expect(event.metadata?["topic"] == "orders")
    }

    @Test func makeHandlerAppliesLevel() {
        for format in LogFormat.allCases {
            let handler = DropflowLogging.makeHandler(label: "x", format: format, level: .warning)
            #expect(handler.logLevel == .warning)
        }
        #expect(DropflowLogging.makeHandler(label: "x", format: .json, level: .info) is JSONLogHandler)
        #expect(LogFormat(rawValue: "json") == .json)
        #expect(LogFormat(rawValue: "human") == .human)
    }
}
