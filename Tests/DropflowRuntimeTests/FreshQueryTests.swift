@testable import DropflowRuntime
import DropflowCore
import Foundation
import Testing

/// Handlers that catch up with their tables at the same time share one watermark query, and
/// each still gets an answer queried after it asked.
@Suite struct FreshQueryTests {
    @Test func callersAtTheSameTimeShareARoundAndEachAnswerIsFresherThanItsCall() async throws {
        // The "watermark" is a counter the test bumps; a query reports it after a short wait.
        let written = Locked(0)
        let query = FreshQuery<Int> {
            let seen = written.current
            try await Task.sleep(for: .milliseconds(20))
            return seen
        }
        let answers = try await withThrowingTaskGroup(of: (asked: Int, answer: Int).self) { group in
            for _ in 0..<64 {
                let asked = written.withLock { $0 += 1; return $0 }
                group.addTask { (asked, try await query.value()) }
                try await Task.sleep(for: .milliseconds(1))
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers.count == 64)
        for a in answers { #expect(a.answer >= a.asked, "a caller that wrote \(a.asked) was answered \(a.answer)") }
        // 64 callers over about 64 ms, 20 ms a query: a handful of rounds, not 64.
        #expect(query.queries < 16, "queries: \(query.queries)")
    }

    @Test func aFailedRoundFailsItsCallersAndTheNextRoundQueriesAgain() async throws {
        let calls = Locked(0)
        let query = FreshQuery<Int> {
            let n = calls.withLock { $0 += 1; return $0 }
            if n == 1 { throw CancellationError() }
            return n
        }
        await #expect(throws: CancellationError.self) { try await query.value() }
        #expect(try await query.value() == 2)
    }
}
