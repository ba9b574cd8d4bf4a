/** The async executor against the executor conformance suite of @kairos/testkit. */
import { AsyncExecutor } from '@kairos/core';
import { runExecutorConformance } from '../src/index.js';

runExecutorConformance({
  name: 'AsyncExecutor',
  createExecutor: ({ maxWorkers }) => new AsyncExecutor({ maxWorkers }),
  // A task that ignores its signal is left behind at once.
  cancelWithinMs: 1000,
});
