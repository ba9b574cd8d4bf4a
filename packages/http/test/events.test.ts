/**
 * `GET api/events` over a real HTTP server on 127.0.0.1: a real job_executed event as SSE, the
 * ping comment on the scheduler's clock, the listener removed when the client goes away, and
 * HEAD answered without a stream.
 */
import { afterEach, beforeEach, expect, test } from 'vitest';
import { waitFor } from '@kairos/testkit';
import { serve, type Api, type RunningServer, type SchedulerEventView } from '../src/index.js';
import { openStreamCount } from '../src/routes/events.js';
import { addSampleJobs, apiOf, startScheduler, type Fixture } from './helpers.js';

let fixture: Fixture;
let api: Api;
let server: RunningServer;

beforeEach(async () => {
  fixture = await startScheduler();
  await addSampleJobs(fixture.scheduler);
  api = apiOf(fixture, { pingIntervalSeconds: 15 });
  server = await serve(api);
});
afterEach(async () => {
  await server.close();
  await fixture.scheduler.shutdown();
});

/** Reads an SSE body as text chunks, until `until` says enough. */
async function readUntil(
  reader: ReadableStreamDefaultReader<Uint8Array>,
  until: (text: string) => boolean,
): Promise<string> {
  const decoder = new TextDecoder();
  let text = '';
  while (!until(text)) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  return text;
}

/** The events of an SSE text: `[name, data]` pairs. */
function eventsOf(text: string): [string, SchedulerEventView][] {
  return text
    .split('\n\n')
    .map((block) => {
      const event = /^event: (.+)$/m.exec(block)?.[1];
      const data = /^data: (.+)$/m.exec(block)?.[1];
      return event === undefined || data === undefined
        ? null
        : ([event, JSON.parse(data)] as [string, SchedulerEventView]);
    })
    .filter((entry): entry is [string, SchedulerEventView] => entry !== null);
}

test('a real job_executed event, a ping, and cleanup when the client leaves', async () => {
  const controller = new AbortController();
  const response = await fetch(`${server.url}/api/events`, { signal: controller.signal });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  expect(await readUntil(reader, (text) => text.includes(': connected'))).toContain(': connected');
  expect(openStreamCount(fixture.scheduler)).toBe(1);

  // Five minutes: the poll job runs once (the ping interval passes too).
  await fixture.clock.advance(5 * 60_000);
  const text = await readUntil(
    reader,
    (seen) => seen.includes('event: job_executed') && seen.includes(': ping'),
  );
  const executed = eventsOf(text).find(([name]) => name === 'job_executed');
  expect(executed?.[1]).toMatchObject({
    name: 'job_executed',
    code: 4096,
    at: '2030-01-01T00:05:00.000Z',
    jobId: 'poll',
    jobstore: 'default',
    run: { jobId: 'poll', outcome: 'executed', scheduledRunTime: '2030-01-01T00:05:00.000Z' },
  });
  expect(executed?.[1].run).not.toHaveProperty('result');
  expect(eventsOf(text).map(([name]) => name)).toContain('job_submitted');
  expect(text).toContain(': ping\n\n');

  controller.abort();
  expect(await waitFor(() => openStreamCount(fixture.scheduler) === 0, 5_000)).toBe(true);
  expect(openStreamCount(fixture.scheduler)).toBe(0);
});

test('a failed run arrives as job_error with the error', async () => {
  const response = await fetch(`${server.url}/api/events`);
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  await readUntil(reader, (text) => text.includes(': connected'));
  await fixture.clock.advance(10 * 60_000);
  const text = await readUntil(reader, (seen) => seen.includes('event: job_error'));
  const failed = eventsOf(text).find(([name]) => name === 'job_error');
  expect(failed?.[1]).toMatchObject({
    jobId: 'flaky',
    error: { name: 'TypeError', message: 'the disk is full' },
    run: { outcome: 'error' },
  });
  await reader.cancel();
  expect(await waitFor(() => openStreamCount(fixture.scheduler) === 0, 5_000)).toBe(true);
});

test('HEAD answers the headers and opens no stream', async () => {
  for (let i = 0; i < 3; i += 1) {
    const response = await fetch(`${server.url}/api/events`, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(await response.text()).toBe('');
  }
  // A stream opened for a HEAD request was never read nor aborted: it stayed open for good.
  expect(openStreamCount(fixture.scheduler)).toBe(0);
});
