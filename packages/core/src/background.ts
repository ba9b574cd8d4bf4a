/** BackgroundScheduler: the scheduler for services that do other things too. */
import { BaseScheduler } from './scheduler/index.js';

/**
 * A scheduler whose loop lives on timers in the host's event loop: `start()` resolves as soon
 * as it runs, and the service goes on. With `daemon` (the default) its timers do not keep the
 * process alive; set `daemon: false` when the scheduler is all the process does.
 *
 * @example
 * const scheduler = new BackgroundScheduler({ timezone: 'Europe/Paris' });
 * await scheduler.addJob(cleanup, { type: 'cron', hour: 3 });
 * await scheduler.start();
 */
export class BackgroundScheduler extends BaseScheduler {
  protected get keepsProcessAlive(): boolean {
    return !this.daemon;
  }
}
