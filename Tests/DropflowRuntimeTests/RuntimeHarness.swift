import DropflowCore
import DropflowKafka
import DropflowLocalBroker
@testable import DropflowRuntime
@_exported import DropflowTesting
import Foundation
import Logging
import ServiceLifecycle
import Testing

let testLogger = makeTestLogger("test.runtime")

typealias RuntimeCluster = TestCluster


