import { formatCount, formatSpan } from './human.js';
import { write } from './output.js';

/** How long a run goes quietly before progress appears, ms: short runs print only their summary. */
const QUIET_MS = 1000;

/**
 * Progress of a long run on stderr: `deleted 120,000 · scanned 400,000 of 1,000,000 · 52,310/s
 * · ETA 11s`. On a terminal one line is rewritten four times a second; elsewhere (a log) a line
 * is written every 5 seconds.
 */
export class Progress {
  readonly #stream: NodeJS.WritableStream;
  readonly #verb: string;
  readonly #total: number | undefined;
  readonly #tty: boolean;
  readonly #started = Date.now();
  #lastPrint = 0;
  #printed = false;

  /** `total`: how many entries the run will look at, when known (for the ETA). */
  constructor(stream: NodeJS.WritableStream, verb: string, total: number | undefined) {
    this.#stream = stream;
    this.#verb = verb;
    this.#total = total;
    this.#tty = Boolean((stream as NodeJS.WriteStream).isTTY);
  }

  /** Reports `done` entries acted on out of `scanned` looked at; cheap to call per entry. */
  update(done: number, scanned: number): void {
    const now = Date.now();
    if (now - this.#started < QUIET_MS || now - this.#lastPrint < (this.#tty ? 250 : 5000)) return;
    this.#lastPrint = now;
    this.#printed = true;
    const line = this.#line(done, scanned, now);
    this.#stream.write(this.#tty ? `\r\x1b[K${line}` : `${line}\n`);
  }

  /** Clears the progress line, if one is showing. */
  async done(): Promise<void> {
    if (this.#printed && this.#tty) await write(this.#stream, '\r\x1b[K');
  }

  #line(done: number, scanned: number, now: number): string {
    const seconds = (now - this.#started) / 1000;
    const rate = scanned / seconds;
    const parts = [`${this.#verb} ${formatCount(done)}`];
    if (scanned !== done || this.#total !== undefined)
      parts.push(
        `scanned ${formatCount(scanned)}${this.#total === undefined ? '' : ` of ~${formatCount(this.#total)}`}`,
      );
    parts.push(`${formatCount(Math.round(rate))}/s`);
    if (this.#total !== undefined && rate > 0 && scanned < this.#total)
      parts.push(`ETA ${formatSpan(((this.#total - scanned) / rate) * 1000)}`);
    return parts.join(' · ');
  }
}
