/** BlockingScheduler: the scheduler as the whole program. */
import type { StartOptions } from './scheduler/index.js';
import { BaseScheduler } from './scheduler/index.js';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * A scheduler that is the program: `start()` resolves only after shutdown. SIGINT and SIGTERM
 * shut it down gracefully, waiting for running jobs (a second signal gets Node's default
 * behaviour, ending the process at once).
 *
 * @example
 * const scheduler = new BlockingScheduler();
 * await scheduler.addJob(poll, { type: 'interval', seconds: 30 });
 * await scheduler.start(); // returns after SIGTERM, once running jobs are done
 */
export class BlockingScheduler extends BaseScheduler {
  protected get keepsProcessAlive(): boolean {
    return true;
  }

  /** Starts the scheduler and resolves once it has shut down. */
  override async start(options: StartOptions = {}): Promise<void> {
    await super.start(options);
    const onSignal = (signal: NodeJS.Signals): void => {
      for (const name of SIGNALS) process.off(name, onSignal);
      this.log.info(`Received ${signal}; shutting down after the running jobs finish`);
      if (this.running) {
        this.shutdown({ wait: true }).catch((error: unknown) => {
          console.error(`Kairos: shutdown after ${signal} failed`, error);
          process.exitCode = 1;
        });
      }
    };
    for (const name of SIGNALS) process.on(name, onSignal);
    try {
      await this.whenStopped();
    } finally {
      for (const name of SIGNALS) process.off(name, onSignal);
    }
  }
}
