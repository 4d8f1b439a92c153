import DropflowCore
import Testing
@testable import DropflowSimulator

/// Generation speed: printed, never asserted (debug builds and shared machines vary widely).
@Suite struct BenchmarkTests {
    @Test func printGenerationSpeedFor20000Orders() {
        let clock = ContinuousClock()
        let config = SimulationConfig(seed: 1, orders: 20_000)
        var records = 0
        var bytes = 0
        let elapsed = clock.measure {
            for record in Simulation.run(config) {
                records += 1
                bytes += record.jsonLineBytes().count
            }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("simulator: 20000 orders, \(records) records, \(bytes / 1_048_576) MiB of JSON Lines in "
              + "\((seconds * 1000).rounded() / 1000) s: \(Int(20_000 / seconds)) orders/s, \(Int(Double(records) / seconds)) records/s")
    }
}
