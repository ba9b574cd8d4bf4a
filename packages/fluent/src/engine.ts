/**
 * The Kairos scheduler under a fluent one. A plain `BackgroundScheduler` that lends the fluent
 * layer its log, so what goes wrong in the background is reported where the rest of Kairos
 * reports.
 */
import { BackgroundScheduler } from 'kairos';

/** A `BackgroundScheduler` whose log the fluent scheduler writes to. */
export class FluentEngine extends BackgroundScheduler {
  /** Logs an error that has no caller to throw to. @internal */
  logError(message: string, error: unknown): void {
    this.log.error(message, error);
  }
}
