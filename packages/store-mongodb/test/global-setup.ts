/** Runs once per test run: says, in one line, when the live MongoDB suites are skipped. */
import { LIVE_MONGODB_URL } from './live-server.js';

export default function setup(): void {
  if (LIVE_MONGODB_URL === undefined) {
    console.warn(
      'MongoDB store tests skipped: set KAIROS_TEST_MONGODB_URL=mongodb://… to run them ' +
        '(a replica set, e.g. mongodb://localhost:27017/?replicaSet=rs0, also runs the change-stream wake-ups)',
    );
  }
}
