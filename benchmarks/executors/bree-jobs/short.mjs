// bree's job for the throughput benchmark: one run of the same busy work as Kairos's
// (tasks/cpu.mjs#burn), in the fresh worker thread bree starts for each run. The result goes back
// as a message, then 'done', on which bree terminates the thread (bree's documented protocol).
import { parentPort, workerData } from 'node:worker_threads';

import { burn } from '../tasks/cpu.mjs';

parentPort.postMessage(burn(workerData.iterations));
parentPort.postMessage('done');
