/**
 * How a scheduler's rooms are made and wired to each other: each gets what it works with, and
 * the closures that let one reach another made after it.
 */
import type { JobHost } from '../interfaces.js';
import { Listeners } from '../listeners.js';
import type { PluginRegistry } from '../registry.js';
import { RunLayer } from '../runs/layer.js';
import { TaskRegistry } from '../tasks.js';
import { Cluster } from './cluster.js';
import { Components } from './components.js';
import { History } from './history.js';
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
  readonly cluster: Cluster;
  readonly history: History;
  readonly builder: JobBuilder;
  readonly loop: Loop;
  readonly pending: PendingJobs;
  readonly stored: StoredJobs;
  readonly lifecycle: Lifecycle;
}

/**
 * Makes the rooms of a scheduler.
 * @param host the scheduler, which its jobs' methods call
 */
export function buildRooms(host: JobHost, registry: PluginRegistry): Rooms {
  const settings = new Settings();
  const tasks = new TaskRegistry(process.cwd(), () => settings.log);
  const listeners = new Listeners(() => settings.log);
  const runs = new RunLayer(
    () => settings.schedulerId,
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
    wake: (alias, nextRunTime) => {
      if (nextRunTime === undefined) loop.wakeup();
      else loop.wakeFor(nextRunTime, alias);
    },
    running: () => state() !== 'stopped',
    beforeStoresStop: () => cluster.stop(),
  });
  const cluster = new Cluster({
    settings,
    components,
    runs,
    listeners,
    takesRuns: () => state() === 'running',
  });
  const history = new History({ settings, components, cluster });
  const builder = new JobBuilder({ settings, registry, tasks, components, host });
  const loop = new Loop({
    settings,
    stores: components.stores,
    runs,
    cluster,
    listeners,
    active: () => state() === 'running',
  });
  const pending = new PendingJobs(settings);
  const stored = new StoredJobs({
    settings,
    components,
    history,
    listeners,
    wakeFor: (nextRunTimeMs, alias) => loop.wakeFor(nextRunTimeMs, alias),
  });
  const lifecycle = new Lifecycle({
    settings,
    listeners,
    components,
    cluster,
    pending,
    stored,
    loop,
  });
  return {
    settings,
    tasks,
    listeners,
    runs,
    components,
    cluster,
    history,
    builder,
    loop,
    pending,
    stored,
    lifecycle,
  };
}
