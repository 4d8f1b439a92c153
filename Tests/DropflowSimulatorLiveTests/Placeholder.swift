// DropflowSimulatorLiveTests
