/**
 * Default job ids: random (version 4) UUIDs. Node's `crypto.randomUUID()` returns a string
 * built from about twenty joined pieces (≈ 480 bytes of heap each); with a million jobs that
 * alone would be half a gigabyte. These are written into a buffer and decoded once, giving
 * flat 36-character strings (≈ 56 bytes).
 */
import { randomFillSync } from 'node:crypto';
import { hostname } from 'node:os';

/** The two ASCII codes of each byte's hex digits, at 2·byte and 2·byte+1. */
const HEX = Buffer.from(
  Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0')).join(''),
  'latin1',
);
/** Random bytes for 256 UUIDs per refill, so the system is asked once per 256 ids. */
const pool = Buffer.alloc(16 * 256);
let offset = pool.length;
const text = Buffer.alloc(36);

/** A random UUID (version 4, RFC 9562) as a flat string. */
export function newJobId(): string {
  if (offset === pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  let at = 0;
  for (let i = 0; i < 16; i++) {
    let byte = pool[offset + i] ?? 0;
    if (i === 6) byte = (byte & 0x0f) | 0x40; // version 4
    if (i === 8) byte = (byte & 0x3f) | 0x80; // variant 10xx
    if (i === 4 || i === 6 || i === 8 || i === 10) text[at++] = 0x2d; // '-'
    text[at++] = HEX[2 * byte] ?? 0x30;
    text[at++] = HEX[2 * byte + 1] ?? 0x30;
  }
  offset += 16;
  return text.toString('latin1');
}

/**
 * A scheduler's default id, unique among the schedulers sharing a store and readable in logs
 * and `getNodes()`: `host:pid:random` (eight hex digits).
 */
export function newSchedulerId(): string {
  return `${hostname()}:${process.pid}:${newJobId().slice(0, 8)}`;
}
