/** `weft/testing`: run workflows in tests against a real in-process server, with optional time skipping. */
export {
  TestWorkflowEnvironment,
  type TestEnvironmentOptions,
  type DevServerOptions,
  type ExistingServerTestWorkflowEnvironmentOptions,
} from './test-workflow-environment.js';
export {
  MockActivityEnvironment,
  defaultActivityInfo,
  type MockActivityEnvironmentOptions,
  type CancelReason,
} from './mock-activity-environment.js';
