// kairos run as a container's cron daemon: this script starts `kairos run` on the crontab and
// the job file next to it with JSON logs, as an ENTRYPOINT would:
//
//   ENTRYPOINT ["tini", "--", "kairos", "run", "--json", "/etc/kairos/crontab", "/etc/kairos/jobs.json"]
//
// (tini, or `docker run --init`, reaps orphaned grandchildren, which Node cannot do as PID 1.)
// Stop it with Ctrl-C: no new runs start, running commands get --grace, then they are killed.
// With --smoke it runs for three seconds, stops the daemon with SIGTERM and checks it ran jobs.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const cli = dirname(createRequire(import.meta.url).resolve('@kairos/cli/package.json'));
const smoke = process.argv.includes('--smoke');

const daemon = spawn(
  process.execPath,
  [join(cli, 'dist', 'bin.js'), 'run', '--json', '--grace', '5s', 'crontab', 'jobs.json'],
  { cwd: here, stdio: ['ignore', 'pipe', 'inherit'] },
);
const events = [];
let pending = '';
daemon.stdout.on('data', (chunk) => {
  process.stdout.write(chunk);
  pending += chunk.toString();
  const lines = pending.split('\n');
  pending = lines.pop() ?? '';
  for (const line of lines) if (line !== '') events.push(JSON.parse(line));
});
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => daemon.kill(signal));

if (smoke) setTimeout(() => daemon.kill('SIGTERM'), 3_000);
daemon.on('close', (code) => {
  if (!smoke) process.exit(code ?? 1);
  const finished = (job) =>
    events.filter((event) => event.event === 'finished' && event.job === job);
  const problems = [];
  if (code !== 0) problems.push(`kairos run exited with ${code}`);
  if (finished('heartbeat').length < 1) problems.push('heartbeat never ran');
  if (finished('crontab:3').length !== 1) problems.push('the @reboot line did not run once');
  if (events.at(-1)?.message !== 'stopped') problems.push('the daemon did not log its stop');
  if (problems.length > 0) {
    console.error(`smoke test failed: ${problems.join('; ')}`);
    process.exit(1);
  }
  console.log(`smoke test passed: ${events.length} log events`);
});
