/**
 * Which command tasks a scheduler lets into (and out of) a persistent job store. A stored
 * command is code the scheduler will run, written by whoever can write the store, so none is
 * allowed until the application says so (`commands: true` or a list of programs).
 */
import { CommandNotAllowedError } from '../errors.js';
import { commandProgram, describeCommand, type CommandTask } from './command-task.js';

/** The `commands` setting of one scheduler. */
export class CommandPolicy {
  #allowed: boolean | readonly string[] = false;

  /** Applies the `commands` setting: true, false, or the programs allowed. */
  allow(setting: boolean | readonly string[]): void {
    this.#allowed = typeof setting === 'boolean' ? setting : Object.freeze([...setting]);
  }

  /**
   * Checks that a command may be kept in or run from a persistent store.
   * @param job names the job in the message
   * @throws CommandNotAllowedError saying how to allow it
   */
  check(task: CommandTask, job: string): void {
    if (this.#allowed === true) return;
    const program = commandProgram(task);
    if (this.#allowed !== false && this.#allowed.includes(program)) return;
    throw new CommandNotAllowedError(job, describeCommand(task), program, this.#allowed);
  }
}
