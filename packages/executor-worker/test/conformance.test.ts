/** The worker executor against the executor conformance suite of @kairos/testkit. */
import { runExecutorConformance } from '@kairos/testkit';
import { WorkerExecutor } from '../dist/index.js';

runExecutorConformance({
  name: 'WorkerExecutor',
  createExecutor: ({ maxWorkers }) => new WorkerExecutor({ maxWorkers, abortGrace: 0.5 }),
  // abortGrace, then the thread's termination, on a loaded machine.
  cancelWithinMs: 5000,
});
