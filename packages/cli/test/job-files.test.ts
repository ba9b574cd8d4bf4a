// How `kairos run` turns a system table's user field into the user a command runs as.
import { describe, expect, it } from 'vitest';
import { readJobs } from '../src/daemon/job-files.js';

const SYSTEM = '*/5 * * * * nobody id -u\n0 3 * * * root /usr/sbin/logrotate /etc/logrotate.conf\n';
const options = { system: true, timezone: 'UTC', user: 'root', overlap: 'forbid' } as const;

describe('the user field of a system table', () => {
  it("runs a line as its user's ids when the daemon is root", () => {
    const reading = readJobs('/etc/crontab', SYSTEM, { ...options, root: true });
    expect(reading.errors).toEqual([]);
    expect(reading.warnings).toEqual([]);
    const [asNobody, asRoot] = reading.jobs;
    expect(asNobody?.task).toMatchObject({ command: 'id -u', uid: 65534, gid: 65534 });
    expect(asNobody?.task.env).toMatchObject({ LOGNAME: 'nobody', HOME: '/nonexistent' });
    // The daemon's own user needs no switch.
    expect(asRoot?.task).not.toHaveProperty('uid');
  });

  it('warns and runs as itself when the daemon is not root', () => {
    const reading = readJobs('/etc/crontab', SYSTEM, { ...options, root: false });
    expect(reading.jobs[0]?.task).not.toHaveProperty('uid');
    expect(reading.warnings).toEqual([
      "/etc/crontab:1: runs as 'root' (the daemon's user), not as 'nobody': only a daemon running as root can switch users",
    ]);
  });

  it('refuses a line whose user is not in /etc/passwd, as cron skips it', () => {
    const reading = readJobs('/etc/crontab', '* * * * * kairos-no-such-user true\n', {
      ...options,
      root: true,
    });
    expect(reading.errors).toEqual([
      "/etc/crontab:1:1: user 'kairos-no-such-user' is not in /etc/passwd; cron would skip this line: correct the name or add the user",
    ]);
    expect(reading.jobs).toEqual([]);
    const notRoot = readJobs('/etc/crontab', '* * * * * kairos-no-such-user true\n', {
      ...options,
      root: false,
    });
    expect(notRoot.errors).toEqual(reading.errors);
  });
});

describe('the overlap policy', () => {
  const user = { system: false, timezone: 'UTC', user: 'root', root: true } as const;

  it('is KAIROS_OVERLAP above a crontab line, else --overlap', () => {
    const text = '0 * * * * first\nKAIROS_OVERLAP=queue\n0 * * * * second\n';
    const reading = readJobs('crontab', text, { ...user, overlap: 'allow' });
    expect(reading.jobs.map((job) => job.overlap)).toEqual(['allow', 'queue']);
    expect(reading.jobs[1]?.task.env).not.toHaveProperty('KAIROS_OVERLAP');
  });

  it("is a job's own overlap in a job file, else --overlap", () => {
    const text = JSON.stringify({
      jobs: [
        { name: 'a', schedule: '0 * * * *', command: 'a' },
        { name: 'b', schedule: '0 * * * *', command: 'b', overlap: 'replace' },
      ],
    });
    const reading = readJobs('jobs.json', text, { ...user, overlap: 'queue' });
    expect(reading.errors).toEqual([]);
    expect(reading.jobs.map((job) => job.overlap)).toEqual(['queue', 'replace']);
  });
});
