/**
 * Crontab text in and out: bytes are decoded as UTF-8 when they are valid UTF-8 and as Latin-1
 * otherwise, so that any file reads and writes back byte for byte; lines split on `\n` only
 * (a `\r` before it stays part of the line, as cron sees it).
 */

/** How a crontab's bytes were decoded, so that writing encodes them the same way. */
export type CrontabEncoding = 'utf8' | 'latin1';

/** Decodes a crontab's bytes. */
export function decodeCrontab(bytes: Uint8Array): { text: string; encoding: CrontabEncoding } {
  try {
    return { text: new TextDecoder('utf-8', { fatal: true }).decode(bytes), encoding: 'utf8' };
  } catch {
    return { text: Buffer.from(bytes).toString('latin1'), encoding: 'latin1' };
  }
}

/** Encodes crontab text as it was read. */
export function encodeCrontab(text: string, encoding: CrontabEncoding): Buffer {
  return Buffer.from(text, encoding);
}

/** The lines of a text and whether it ends with a newline. */
export function splitLines(text: string): { lines: string[]; finalNewline: boolean } {
  if (text === '') return { lines: [], finalNewline: false };
  const lines = text.split('\n');
  const finalNewline = text.endsWith('\n');
  if (finalNewline) lines.pop();
  return { lines, finalNewline };
}
