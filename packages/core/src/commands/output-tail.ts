/**
 * What a command printed: its last bytes kept within a bound, and its lines handed on one by
 * one as they complete (for the log), however the stream is chunked.
 */
import { StringDecoder } from 'node:string_decoder';

/** A line longer than this is handed on in pieces of this many characters. */
const MAX_LINE = 8192;

/** One output stream of a command (stdout or stderr). */
export class OutputTail {
  readonly #limit: number;
  readonly #onLine: (line: string) => void;
  readonly #decoder = new StringDecoder('utf8');
  #chunks: Buffer[] = [];
  #bytes = 0;
  #dropped = 0;
  #partial = '';

  /**
   * @param limit how many of the last bytes to keep
   * @param onLine called with each complete line, without its line ending
   */
  constructor(limit: number, onLine: (line: string) => void) {
    this.#limit = limit;
    this.#onLine = onLine;
  }

  /** Takes the next chunk of the stream. */
  write(chunk: Buffer): void {
    this.#keep(chunk);
    let text = this.#partial + this.#decoder.write(chunk);
    let newline = text.indexOf('\n');
    while (newline >= 0) {
      this.#emit(text.slice(0, newline));
      text = text.slice(newline + 1);
      newline = text.indexOf('\n');
    }
    while (text.length > MAX_LINE) {
      this.#emit(text.slice(0, MAX_LINE));
      text = text.slice(MAX_LINE);
    }
    this.#partial = text;
  }

  /** The stream ended: hands on its last line if it had no line ending. */
  end(): void {
    const rest = this.#partial + this.#decoder.end();
    this.#partial = '';
    if (rest !== '') this.#emit(rest);
  }

  /** The kept bytes as text (a character cut at the start of the tail is dropped). */
  get text(): string {
    const text = Buffer.concat(this.#chunks).toString('utf8');
    return this.#dropped > 0 ? text.replace(/^\uFFFD+/, '') : text;
  }

  /** How many bytes were dropped from the start to keep the bound. */
  get droppedBytes(): number {
    return this.#dropped;
  }

  #keep(chunk: Buffer): void {
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
    while (this.#bytes > this.#limit) {
      const first = this.#chunks[0];
      if (first === undefined) break;
      const excess = this.#bytes - this.#limit;
      if (first.length <= excess) {
        this.#chunks.shift();
        this.#bytes -= first.length;
        this.#dropped += first.length;
      } else {
        this.#chunks[0] = first.subarray(excess);
        this.#bytes -= excess;
        this.#dropped += excess;
      }
    }
  }

  #emit(line: string): void {
    this.#onLine(line.endsWith('\r') ? line.slice(0, -1) : line);
  }
}
