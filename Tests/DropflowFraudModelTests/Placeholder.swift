// DropflowFraudModelTests
