/**
 * The scheduler configuration: {@link parseConfig} reads the nested object and APScheduler's
 * flat prefixed keys into settings and component requests for the scheduler to apply.
 *
 * Rooms: `keys.ts` (spelling: snake_case/camelCase, flat keys, "did you mean"), `settings.ts`
 * (what each setting accepts, with APScheduler's string coercions), `components.ts` (job store
 * and executor specs), `parse.ts` (reading a dictionary).
 */
export { isComponentRequest, type ComponentRequest } from './components.js';
export { parseConfig, type ParsedConfig, type SchedulerConfig } from './parse.js';
