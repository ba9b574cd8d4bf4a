/**
 * The JSON job file of `kairos check` and `kairos run`: `{ "jobs": [ … ] }`, each job a name, a
 * schedule (a crontab expression) or a Kairos trigger spec, and a command line or an argv. The
 * shape is a zod schema; findings name the job, the field and the value, at their line and
 * column in the file.
 */
import { parseTree, findNodeAtLocation, printParseErrorCode, type ParseError } from 'jsonc-parser';
import type { Node } from 'jsonc-parser';
import {
  CronTrigger,
  JobOptionError,
  TriggerConfigError,
  checkCommandTask,
  isTimeZone,
  triggerFromSpec,
} from 'kairos';
import { z } from 'zod';

/** What a job does while its previous run is still running. */
export const OVERLAP_POLICIES = ['forbid', 'allow', 'replace', 'queue'] as const;

/** One of {@link OVERLAP_POLICIES}. */
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

/** A type error that says "is missing" when the field is not there. */
function expected(what: string): { error: (issue: { input: unknown }) => string } {
  return { error: (issue) => (issue.input === undefined ? 'is missing' : `must be ${what}`) };
}

const positiveSeconds = z.number({ error: 'must be a number of seconds' }).positive({
  error: 'must be a number of seconds greater than 0',
});

/** One job of a job file. */
export const jobConfigSchema = z
  .strictObject(
    {
      name: z.string(expected('a string')).min(1, { error: 'must not be empty' }),
      schedule: z.string({ error: "must be a crontab expression such as '0 2 * * *'" }).optional(),
      trigger: z
        .looseObject(
          { type: z.string({ error: "needs a 'type' such as 'cron' or 'interval'" }) },
          {
            error:
              'must be a trigger spec such as {"type": "interval", "minutes": 5}; a crontab expression goes in \'schedule\'',
          },
        )
        .optional(),
      command: z
        .string({ error: 'must be a shell command line (a string)' })
        .min(1, { error: 'must not be empty' })
        .optional(),
      argv: z
        .array(z.string({ error: 'must be a string' }), { error: 'must be an array of strings' })
        .min(1, { error: 'needs at least the program' })
        .optional(),
      cwd: z.string({ error: 'must be a folder path (a string)' }).optional(),
      env: z
        .record(z.string(), z.string({ error: 'must be a string' }), {
          error: 'must be an object of NAME: "value" strings',
        })
        .optional(),
      stdin: z.string({ error: 'must be a string' }).optional(),
      timeout: positiveSeconds.optional(),
      killGrace: positiveSeconds.optional(),
      overlap: z
        .enum(OVERLAP_POLICIES, { error: `must be one of ${OVERLAP_POLICIES.join(', ')}` })
        .optional(),
    },
    {
      error:
        'must be an object such as {"name": "backup", "schedule": "0 2 * * *", "command": "…"}',
    },
  )
  .superRefine((job, context) => {
    const exactlyOne = (a: 'schedule' | 'command', b: 'trigger' | 'argv', what: string): void => {
      if ((job[a] === undefined) === (job[b] === undefined))
        context.addIssue({
          code: 'custom',
          path: job[a] === undefined ? [] : [b],
          message: `needs exactly one of '${a}' and '${b}' (${what})`,
        });
    };
    exactlyOne('schedule', 'trigger', 'when it runs');
    exactlyOne('command', 'argv', 'what it runs');
    if (job.schedule !== undefined && job.schedule.trim() !== '@reboot') {
      const problem = triggerProblem(() => CronTrigger.fromCrontab(job.schedule ?? '', 'UTC'));
      if (problem !== null)
        context.addIssue({ code: 'custom', path: ['schedule'], message: problem });
    }
    if (job.trigger !== undefined) {
      const spec = job.trigger;
      const problem = triggerProblem(() => triggerFromSpec(spec, { timezone: 'UTC' }));
      if (problem !== null)
        context.addIssue({ code: 'custom', path: ['trigger'], message: problem });
    }
    // With both or neither of command and argv, the check above has said what to write; a
    // command field the schema refused already has its finding (one per problem).
    const refusedField = context.issues.some((issue) =>
      (COMMAND_FIELDS as readonly PropertyKey[]).includes(issue.path?.[0] ?? ''),
    );
    const refused =
      !refusedField && (job.command === undefined) !== (job.argv === undefined)
        ? commandProblem(job)
        : null;
    if (refused !== null) context.addIssue({ code: 'custom', ...refused });
  });

/**
 * What the scheduler refuses in a job's command (an argv whose program is '', an env name with
 * '=', …): its own check, so `kairos check` finds what `kairos run` would refuse. Null when fine.
 */
function commandProblem(job: {
  command?: string | undefined;
  argv?: string[] | undefined;
  [field: string]: unknown;
}): { path: string[]; message: string } | null {
  const task: Record<string, unknown> = {};
  for (const field of COMMAND_FIELDS) if (job[field] !== undefined) task[field] = job[field];
  try {
    checkCommandTask(task, 'job');
    return null;
  } catch (error) {
    if (!(error instanceof JobOptionError)) throw error;
    // 'task.argv' → ['argv']; the message after "job: task.argv: ".
    const field = error.option.replace(/^task\.?/, '').split('.')[0] ?? '';
    const prefix = `job: ${error.option}: `;
    const problem = error.message.startsWith(prefix)
      ? error.message.slice(prefix.length)
      : error.message;
    // The finding quotes a plain value at the field itself; quote what the check refused
    // otherwise (an array, or one name of env).
    const atField = job[field];
    const quoted = atField === error.value && typeof atField !== 'object';
    const message = quoted ? problem : `${JSON.stringify(error.value)} ${problem}`;
    return { path: field === '' ? [] : [field], message };
  }
}

/** The fields of a job that make its command task. */
const COMMAND_FIELDS = ['command', 'argv', 'cwd', 'env', 'stdin', 'timeout', 'killGrace'] as const;

/** One job of a job file, as validated. */
export type JobConfig = z.infer<typeof jobConfigSchema>;

/** A whole job file. */
export const jobFileSchema = z
  .strictObject(
    {
      timezone: z
        .string({ error: 'must be an IANA time zone name' })
        .refine(isTimeZone, { error: 'is not an IANA time zone such as Europe/Paris' })
        .optional(),
      jobs: z.array(jobConfigSchema, expected('an array of jobs')),
    },
    { error: 'must be an object: { "jobs": [ … ] }' },
  )
  .superRefine((file, context) => {
    const seen = new Set<string>();
    for (const [index, job] of file.jobs.entries()) {
      if (seen.has(job.name))
        context.addIssue({
          code: 'custom',
          path: ['jobs', index, 'name'],
          message: 'is the name of an earlier job; job names must be unique',
        });
      seen.add(job.name);
    }
  });

/** A job file as validated. */
export type JobFile = z.infer<typeof jobFileSchema>;

/** One finding in a job file, at its line and column (1-based). */
export interface JobFileProblem {
  /** 1-based line number. */
  line: number;
  /** 1-based column. */
  column: number;
  /** What is wrong, naming the job and the field. */
  message: string;
}

/** Reads a job file's text: the jobs, or every problem found. */
export function readJobFile(
  source: string,
): { ok: true; file: JobFile } | { ok: false; problems: JobFileProblem[] } {
  // A byte-order mark (Windows editors save one) is no JSON, and no column in an editor.
  const text = source.startsWith('\uFEFF') ? source.slice(1) : source;
  const position = positions(text);
  const syntax: ParseError[] = [];
  const tree = parseTree(text, syntax, { disallowComments: true, allowTrailingComma: false });
  if (syntax.length > 0 || tree === undefined) {
    // The parser reports each follow-on of one mistake too: the first is the one to fix.
    const problems = syntax.slice(0, 1).map((error) => ({
      ...position(error.offset),
      message: `not valid JSON: ${describeSyntaxError(printParseErrorCode(error.error))}`,
    }));
    return {
      ok: false,
      problems:
        problems.length > 0
          ? problems
          : [{ line: 1, column: 1, message: 'the file is empty; a job file is { "jobs": [ … ] }' }],
    };
  }
  const result = jobFileSchema.safeParse(JSON.parse(text) as unknown);
  if (result.success) return { ok: true, file: result.data };
  const raw = JSON.parse(text) as unknown;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.filter((key) => typeof key !== 'symbol');
    // An unknown key is reported at its parent; point at the key itself.
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const target = keys[0] === undefined ? path : [...path, keys[0]];
    const node = nearestNode(tree, target);
    return {
      ...position(node.offset),
      message: describeIssue(raw, path, issue.message, keys),
    };
  });
  problems.sort((a, b) => a.line - b.line || a.column - b.column);
  return { ok: false, problems };
}

/** `job 'backup' (jobs[2]): overlap: 'sometimes' must be one of …`. */
function describeIssue(
  raw: unknown,
  path: readonly (string | number)[],
  message: string,
  unknownKeys: readonly string[],
): string {
  const [top, index, field, ...deeper] = path;
  if (unknownKeys.length > 0) {
    const where =
      top === 'jobs' && typeof index === 'number' ? `${jobLabel(raw, index)}: ` : 'the file: ';
    const allowed =
      top === 'jobs'
        ? Object.keys(jobConfigSchema.shape).join(', ')
        : Object.keys(jobFileSchema.shape).join(', ');
    return `${where}unknown field ${unknownKeys.map((key) => `'${key}'`).join(', ')}; the fields are ${allowed}`;
  }
  if (top !== 'jobs' || typeof index !== 'number') {
    const name = top === undefined ? 'the file' : String(top);
    return `${name}:${valueNote(raw, path)} ${message}`;
  }
  const job = jobLabel(raw, index);
  if (field === undefined) return `${job} ${message}`;
  const name = [field, ...deeper].map((key) => (typeof key === 'number' ? `[${key}]` : key));
  return `${job}: ${name.join('.').replace(/\.\[/g, '[')}:${valueNote(raw, path)} ${message}`;
}

function jobLabel(raw: unknown, index: number): string {
  const name = valueAt(raw, ['jobs', index, 'name']);
  return typeof name === 'string' && name !== ''
    ? `job '${name}' (jobs[${index}])`
    : `job jobs[${index}]`;
}

/** ` (value: "x")`, or '' for objects and missing values. */
function valueNote(raw: unknown, path: readonly (string | number)[]): string {
  const value = valueAt(raw, path);
  if (value === undefined || (typeof value === 'object' && value !== null)) return '';
  return ` ${JSON.stringify(value)}`;
}

function valueAt(raw: unknown, path: readonly (string | number)[]): unknown {
  let value = raw;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

/** The node at `path`, or the nearest ancestor that exists (a missing field: its job). */
function nearestNode(tree: Node, path: readonly (string | number)[]): Node {
  for (let length = path.length; length > 0; length -= 1) {
    const node = findNodeAtLocation(tree, path.slice(0, length));
    if (node !== undefined) return node.parent?.type === 'property' ? node.parent : node;
  }
  return tree;
}

/** Offset → 1-based line and column. */
function positions(text: string): (offset: number) => { line: number; column: number } {
  const starts = [0];
  for (let index = 0; index < text.length; index += 1)
    if (text[index] === '\n') starts.push(index + 1);
  return (offset) => {
    let line = 0;
    while (line + 1 < starts.length && (starts[line + 1] ?? Infinity) <= offset) line += 1;
    return { line: line + 1, column: offset - (starts[line] ?? 0) + 1 };
  };
}

function describeSyntaxError(code: string): string {
  const words = code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return `${words} here`;
}

/** The problem a trigger constructor reports, or null when it accepts. */
export function triggerProblem(build: () => unknown): string | null {
  try {
    build();
    return null;
  } catch (error) {
    if (error instanceof TriggerConfigError) return error.message;
    throw error;
  }
}
