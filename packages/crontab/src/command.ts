/**
 * The command part of a job line as cron runs it: the first unescaped `%` ends the command and
 * the rest is the job's standard input, each further unescaped `%` a newline; `\%` is a literal
 * `%`. Also python-crontab's trailing comment (`command # comment`), which the shell ignores
 * (it ends at the `%`, as the shell's text does).
 */

/** A command split the way cron splits it. */
export interface CommandParts {
  /** What the shell runs, with `\%` turned into `%`. */
  command: string;
  /** The standard input cron feeds it (with `%` turned into newlines), or null without `%`. */
  stdin: string | null;
}

/** Index of the first `%` not preceded by a backslash, or -1. */
export function firstUnescapedPercent(text: string): number {
  for (let at = 0; at < text.length; at += 1) {
    if (text[at] === '\\') at += 1;
    else if (text[at] === '%') return at;
  }
  return -1;
}

/** Splits a crontab command field into the shell command and its standard input. */
export function splitCommand(text: string): CommandParts {
  const percent = firstUnescapedPercent(text);
  const commandText = percent < 0 ? text : text.slice(0, percent);
  const command = commandText.replace(/\\%/g, '%');
  if (percent < 0) return { command, stdin: null };
  let stdin = '';
  const rest = text.slice(percent + 1);
  for (let at = 0; at < rest.length; at += 1) {
    const character = rest.charAt(at);
    if (character === '\\' && rest[at + 1] === '%') {
      stdin += '%';
      at += 1;
    } else stdin += character === '%' ? '\n' : character;
  }
  return { command, stdin };
}

/** The crontab text for a command and its standard input (the inverse of {@link splitCommand}). */
export function joinCommand(command: string, stdin: string | null): string {
  const escape = (text: string): string => text.replace(/%/g, '\\%');
  const head = escape(command);
  return stdin === null ? head : `${head}%${escape(stdin).replace(/\n/g, '%')}`;
}

/**
 * Splits off python-crontab's trailing comment (its job id): the text after the first blank + `#`,
 * without the blanks around it. Cron has no comments on a job line: it hands the shell the text
 * up to the first unescaped `%` and feeds the rest to the command's standard input, so a comment
 * is a shell comment, and it ends at that `%` as the shell's text does (`cat # note%input` runs
 * `cat # note` with `input` on standard input; python-crontab takes `note%input` for the
 * comment). The `#` must come before any `%` input (after `%`, a `#` is part of the input) and
 * outside shell quotes (`echo 'a # b'` prints `a # b`: the shell reads no comment there, and
 * neither does this). `body` is the text without the comment: the command and its `%` input.
 */
export function splitComment(text: string): { body: string; comment: string | null } {
  const percent = firstUnescapedPercent(text);
  const shellText = percent < 0 ? text : text.slice(0, percent);
  const input = percent < 0 ? '' : text.slice(percent);
  const hash = firstUnquotedCommentHash(shellText);
  if (hash < 0) return { body: text, comment: null };
  const blanks = /[ \t]+$/.exec(shellText.slice(0, hash))?.[0].length ?? 0;
  return { body: text.slice(0, hash - blanks) + input, comment: shellText.slice(hash + 1).trim() };
}

/** Index of the first `#` after a blank and outside shell quotes, or -1. */
function firstUnquotedCommentHash(text: string): number {
  let quote: string | null = null;
  for (let at = 0; at < text.length; at += 1) {
    const character = text.charAt(at);
    if (quote === "'") {
      if (character === "'") quote = null;
    } else if (character === '\\') {
      at += 1;
    } else if (quote === '"') {
      if (character === '"') quote = null;
    } else if (character === "'" || character === '"') {
      quote = character;
    } else if (character === '#' && at > 0 && /[ \t]/.test(text.charAt(at - 1))) {
      return at;
    }
  }
  return -1;
}
