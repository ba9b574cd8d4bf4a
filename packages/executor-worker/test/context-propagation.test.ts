/**
 * The context hooks' failure policy on its own (src/context-propagation.ts): what
 * `captureContext` may return, and how a task runs through `runInContext` when the hook works,
 * throws, forgets to call `run`, calls it late, or the task itself throws. The run always goes
 * on; the task runs exactly once.
 */
import { describe, expect, it } from 'vitest';
import { captureCarrier, runInCarriedContext } from '../src/context-propagation.js';
import type { RunInContext } from '../src/interfaces.js';

describe('captureCarrier', () => {
  it('takes an object of strings, and undefined or null as no carrier', () => {
    expect(captureCarrier(() => ({ traceparent: '00-ab' }))).toEqual({
      carrier: { traceparent: '00-ab' },
      problem: null,
    });
    expect(captureCarrier(() => undefined)).toEqual({ carrier: null, problem: null });
    expect(captureCarrier(() => null as unknown as undefined)).toEqual({
      carrier: null,
      problem: null,
    });
  });

  it('turns a throw into a problem naming captureContext', () => {
    const cause = new Error('no tracer');
    const { carrier, problem } = captureCarrier(() => {
      throw cause;
    });
    expect(carrier).toBeNull();
    expect(problem?.message).toBe('captureContext threw: no tracer');
    expect(problem?.cause).toBe(cause);
  });

  it.each([
    ['x', "'x'"],
    [{ traceparent: 1 }, '{"traceparent":1}'],
    [[], '[]'],
    [() => 1, 'function (anonymous)'],
  ])('turns the value %j into a problem quoting it', (value, shown) => {
    const { carrier, problem } = captureCarrier(() => value as unknown as undefined);
    expect(carrier).toBeNull();
    expect(problem).toEqual(
      new TypeError(`captureContext returned ${shown}, not an object of strings (or undefined)`),
    );
  });
});

describe('runInCarriedContext', () => {
  const carrier = { traceparent: '00-ab' };

  /** Runs `task` through `hook`; what it returned or threw, and the problems reported. */
  function through(hook: RunInContext, task: () => unknown) {
    const problems: string[] = [];
    let calls = 0;
    const counted = (): unknown => {
      calls++;
      return task();
    };
    let result: { value: unknown } | { thrown: unknown };
    try {
      result = {
        value: runInCarriedContext(hook, carrier, counted, (problem) => {
          problems.push(problem.message);
        }),
      };
    } catch (thrown) {
      result = { thrown };
    }
    return { result, problems, calls };
  }

  it("runs the task inside the hook, with the hook's carrier", () => {
    let inside = false;
    let given: unknown = null;
    const hook: RunInContext = (received, run) => {
      given = received;
      inside = true;
      try {
        return run();
      } finally {
        inside = false;
      }
    };
    expect(through(hook, () => inside)).toEqual({
      result: { value: true },
      problems: [],
      calls: 1,
    });
    expect(given).toBe(carrier);
  });

  it('returns what the task returned, not what the hook did', () => {
    const hook = ((_carrier: unknown, run: () => unknown) => {
      run();
      return 'the hook';
    }) as RunInContext;
    expect(through(hook, () => 'the task').result).toEqual({ value: 'the task' });
  });

  it("passes the task's throw on, as the task's error and not a problem", () => {
    const error = new Error('task failed');
    const outcome = through(
      (_carrier, run) => run(),
      () => {
        throw error;
      },
    );
    expect(outcome).toEqual({ result: { thrown: error }, problems: [], calls: 1 });
  });

  it('runs the task without the context when the hook throws first', () => {
    const outcome = through(
      () => {
        throw new Error('bad carrier');
      },
      () => 'ran',
    );
    expect(outcome).toEqual({
      result: { value: 'ran' },
      problems: ['runInContext threw before running the task: bad carrier'],
      calls: 1,
    });
  });

  it("keeps the task's outcome when the hook throws after it", () => {
    const outcome = through(
      (_carrier, run) => {
        run();
        throw new Error('cleanup failed');
      },
      () => 'ran',
    );
    expect(outcome).toEqual({
      result: { value: 'ran' },
      problems: ['runInContext threw after the task ran: cleanup failed'],
      calls: 1,
    });
  });

  it('runs the task without the context when the hook returns without calling run', () => {
    const outcome = through((() => undefined) as unknown as RunInContext, () => 'ran');
    expect(outcome).toEqual({
      result: { value: 'ran' },
      problems: ['runInContext returned without calling run'],
      calls: 1,
    });
  });

  it('runs the task once when the hook calls run twice, or late', async () => {
    const twice = through(
      (_carrier, run) => {
        run();
        return run();
      },
      () => 'ran',
    );
    expect(twice).toEqual({
      result: { value: 'ran' },
      problems: [
        'runInContext threw after the task ran: runInContext must call run once, before it returns',
      ],
      calls: 1,
    });
    let late: Promise<unknown> | null = null;
    const outcome = through(
      ((_carrier: unknown, run: () => unknown) => {
        late = Promise.resolve().then(run);
        return late;
      }) as RunInContext,
      () => 'ran',
    );
    expect(outcome).toMatchObject({ problems: ['runInContext returned without calling run'] });
    await expect(late).rejects.toThrow('runInContext must call run once, before it returns');
    expect(outcome.calls).toBe(1);
  });
});
