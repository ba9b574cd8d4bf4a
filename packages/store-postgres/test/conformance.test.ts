import { runJobStoreConformance } from '@kairos/testkit';
import { afterAll, describe } from 'vitest';
import { PostgresJobStore } from '../src/index.js';
import {
  dropSchema,
  POSTGRES_URL,
  postgresAvailable,
  uniqueSchema,
  withAdmin,
} from './postgres-server.js';

const available = await postgresAvailable();
const schema = uniqueSchema('conformance');

describe.skipIf(!available)('PostgresJobStore on a live server', () => {
  afterAll(() => dropSchema(schema));

  runJobStoreConformance({
    name: 'PostgresJobStore',
    createStore: () =>
      new PostgresJobStore({ connectionString: POSTGRES_URL, schema, poolSize: 3 }),
    shared: true,
    persistent: true,
    wakeups: { withinMs: 1500 },
    async writeRawJob(id, document, nextRunTime) {
      await withAdmin((admin) =>
        admin.query(
          `INSERT INTO "${schema}"."kairos_jobs" (id, next_run_time, state) VALUES ($1, $2, $3)`,
          [id, nextRunTime, document],
        ),
      );
    },
  });
});
