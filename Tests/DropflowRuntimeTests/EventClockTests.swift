import DropflowJSON
import DropflowKafka
@testable import DropflowRuntime
import Foundation
import Testing

/// The contract's event time: the value's own timestamp, else `ce_time`, else the record's;
/// stream time is the latest seen; a time far ahead of the clock is clamped, and said so.
@Suite struct EventClockTests {
    static let now = Date(timeIntervalSince1970: 1_796_000_000)  // 2026-12-01T…Z

    @Test func theValuesOwnTimeComesFirstThenCeTimeThenTheRecords() throws {
        let headers = [KafkaHeader(key: "ce_time", string: "2026-11-24T10:00:00Z")]
        let placed = try JSONValue.parse(Array(#"{"placed_at":"2026-11-24T09:00:00Z","at":"2026-11-24T08:00:00Z"}"#.utf8))
        let reviewed = try JSONValue.parse(Array(#"{"at":"2026-11-24T08:00:00Z"}"#.utf8))
        #expect(EventClock.eventTimeMs(json: placed, headers: headers, timestampMs: 5) == 1_795_510_800_000)
        #expect(EventClock.eventTimeMs(json: reviewed, headers: headers, timestampMs: 5) == 1_795_507_200_000)
        #expect(EventClock.eventTimeMs(json: nil, headers: headers, timestampMs: 5) == 1_795_514_400_000)
        #expect(EventClock.eventTimeMs(json: nil, headers: [KafkaHeader(key: "ce_time", string: "yesterday")], timestampMs: 5) == 5)
        #expect(EventClock.eventTimeMs(json: nil, headers: [], timestampMs: nil) == nil)
    }

    @Test func streamTimeIsTheLatestAndAFarFutureTimeIsClamped() {
        let clock = EventClock(maxAhead: .seconds(3_600), followWallClock: false, wallClock: { Self.now })
        let nowMs: Int64 = 1_796_000_000_000
        let a = clock.observe(nowMs - 60_000)
        #expect(a.eventMs == nowMs - 60_000 && !a.isClamped && a.streamMs == nowMs - 60_000)
        let late = clock.observe(nowMs - 120_000)
        #expect(late.streamMs == nowMs - 60_000, "an older input does not move stream time back")
        let future = clock.observe(32_503_680_000_000)  // 3000-01-01
        #expect(future.isClamped)
        #expect(future.eventMs == nowMs + 3_600_000 && future.recordedMs == 32_503_680_000_000)
        #expect(future.streamMs == nowMs + 3_600_000, "stream time moves only to the clamp")
    }

    @Test func streamTimeFollowsTheWallClockOnlyWhenAskedAndIdle() async throws {
        let off = EventClock(maxAhead: .seconds(60), followWallClock: false, wallClock: { Self.now })
        _ = off.observe(1_000)
        try await Task.sleep(for: .milliseconds(1_100))
        #expect(off.streamTimeMs() == 1_000, "replays and simulations keep their own time")
        let on = EventClock(maxAhead: .seconds(60), followWallClock: true, wallClock: { Self.now })
        _ = on.observe(1_000)
        #expect(on.streamTimeMs() == 1_000, "not idle yet")
        try await Task.sleep(for: .milliseconds(1_100))
        #expect(on.streamTimeMs() == 1_796_000_000_000)
    }
}
