/**
 * @kairos/testkit: what job store and executor authors test with. `runJobStoreConformance`
 * registers the conformance suite every Kairos job store passes (the built-in ones and
 * third-party ones), `runExecutorConformance` the one every executor passes;
 * `TestStoreContext` stands in for the scheduler; `FakeClock` drives scheduling logic without
 * sleeping; `serverAvailable` guards suites that need a real server; `TcpProxy` plays a server
 * outage for one client; `RecordingLogger` keeps what a store logs; `runRow`, `runClaim` and
 * `lapsedScan` build what run ledger tests write; `docExampleSuite` runs the examples of
 * documentation pages.
 */
export { FakeClock } from '@kairos/core';
export { claimUntilEmpty, oneMinuteLater } from './claims.js';
export { docExampleSuite, type DocExampleSuiteOptions } from './doc-examples.js';
export { runJobStoreConformance, type ConformanceOptions } from './conformance/index.js';
export {
  finishedRow,
  lapsedScan,
  LEASE_MS,
  runClaim,
  runRow,
  RUN_TIME,
  type LapsedScanOptions,
  type RecordingRunClaim,
  type RunClaimOptions,
} from './run-rows.js';
export {
  runExecutorConformance,
  type ExecutorConformanceOptions,
} from './executor-conformance/index.js';
export { TestStoreContext, type UnrestorableReport } from './context.js';
export { RecordingLogger, type LogEntry } from '@kairos/core';
export { serverAvailable } from './servers.js';
export { TestkitUsageError } from './errors.js';
export { waitFor } from './wait-for.js';
export { TcpProxy } from './tcp-proxy.js';
