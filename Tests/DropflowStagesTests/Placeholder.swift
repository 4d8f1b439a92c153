// DropflowStagesTests
