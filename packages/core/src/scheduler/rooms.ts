/**
 * How a scheduler's rooms are made and wired to each other: each gets what it works with, and
 * the closures that let one reach another made after it.
 */
import type { JobHost } from '../interfaces.js';
import { Listeners } from '../listeners.js';
import type { PluginRegistry } from '../registry.js';
import { RunLayer } from '../runs/layer.js';
import { TaskRegistry } from '../tasks.js';
import { Components } from './components.js';
import { JobBuilder } from './job-builder.js';
import { Lifecycle } from './lifecycle.js';
import { Loop } from './loop.js';
import { PendingJobs } from './pending.js';
import { Settings } from './settings.js';
import { StoredJobs } from './stored.js';

/** The rooms of one scheduler. */
export interface Rooms {
  readonly settings: Settings;
  readonly tasks: TaskRegistry;
  readonly listeners: Listeners;
  readonly runs: RunLayer;
  readonly components: Components;
  readonly builder: JobBuilder;
  readonly loop: Loop;
  readonly pending: PendingJobs;
  readonly stored: StoredJobs;
  readonly lifecycle: Lifecycle;
}

/**
 * Makes the rooms of a scheduler.
 * @param host the scheduler, which its jobs' methods call
 * @param schedulerId the scheduler's id, naming it in run records
 */
export function buildRooms(host: JobHost, schedulerId: string, registry: PluginRegistry): Rooms {
  const settings = new Settings();
  const tasks = new TaskRegistry(process.cwd(), () => settings.log);
  const listeners = new Listeners(() => settings.log);
  const runs = new RunLayer(
    schedulerId,
    () => settings.clock,
    listeners,
    () => settings.log,
  );
  const state = (): string => lifecycle.state;
  const components: Components = new Components({
    settings,
    registry,
    tasks,
    runs,
    listeners,
    host,
    makeTrigger: (spec) => builder.makeTrigger(spec),
    wake: (nextRunTime) => {
      if (nextRunTime === undefined) loop.wakeup();
      else loop.wakeFor(nextRunTime);
    },
    running: () => state() !== 'stopped',
  });
  const builder = new JobBuilder({ settings, registry, tasks, components, host });
  const loop = new Loop({
    settings,
    stores: components.stores,
    runs,
    listeners,
    active: () => state() === 'running',
  });
  const pending = new PendingJobs(settings);
  const stored = new StoredJobs({
    settings,
    components,
    listeners,
    wakeFor: (nextRunTimeMs) => loop.wakeFor(nextRunTimeMs),
  });
  const lifecycle = new Lifecycle({ settings, listeners, components, pending, stored, loop });
  return {
    settings,
    tasks,
    listeners,
    runs,
    components,
    builder,
    loop,
    pending,
    stored,
    lifecycle,
  };
}
