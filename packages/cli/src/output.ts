import Table from 'cli-table3';
import { useColor } from './human.js';
import { terminalText } from './terminal-text.js';

/** Where a command writes, and what it may assume about the terminal. */
export interface Io {
  /** Results: tables, JSON. */
  readonly out: NodeJS.WritableStream;
  /** Prompts, progress, hints and errors, so `--json > file` stays clean. */
  readonly err: NodeJS.WritableStream;
  /** Answers to prompts. */
  readonly input: NodeJS.ReadableStream;
  /** A person is at a terminal: prompts can be answered, listings default to a page. */
  readonly interactive: boolean;
}

/** The process' streams; `interactive` when both stdin and stdout are terminals. */
export function processIo(): Io {
  return {
    out: process.stdout,
    err: process.stderr,
    input: process.stdin,
    interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
  };
}

/** Writes `text` and waits for the stream to drain when it asks to, so streamed output stays bounded. */
export async function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  if (!stream.write(text)) await new Promise<void>((resolve) => stream.once('drain', resolve));
}

/**
 * Collects small writes into chunks of about 64 KiB: a million NDJSON lines written one by one
 * cost a million system calls (Node writes to files and `/dev/null` synchronously).
 */
export class ChunkedWriter {
  static readonly CHUNK_BYTES = 64 * 1024;
  readonly #stream: NodeJS.WritableStream;
  #pending: string[] = [];
  #length = 0;

  constructor(stream: NodeJS.WritableStream) {
    this.#stream = stream;
  }

  /** Queues `text`; writes the chunk once it is full. */
  async write(text: string): Promise<void> {
    this.#pending.push(text);
    this.#length += text.length;
    if (this.#length >= ChunkedWriter.CHUNK_BYTES) await this.flush();
  }

  /** Writes whatever is queued. */
  async flush(): Promise<void> {
    if (this.#pending.length === 0) return;
    const chunk = this.#pending.join('');
    this.#pending = [];
    this.#length = 0;
    await write(this.#stream, chunk);
  }
}

/** A two-column `name  value` table (cli-table3, borders on a colour terminal); both columns escaped (`terminalText`). */
export function keyValueTable(rows: readonly (readonly [string, string])[], stream: NodeJS.WritableStream): string {
  const color = useColor(stream);
  const table = new Table({ style: color ? { head: ['cyan'] } : { head: [], border: [] } });
  for (const [name, value] of rows) table.push({ [terminalText(name)]: terminalText(value) });
  return table.toString();
}

const COLUMNS_ONLY = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '  ',
} as const;

/**
 * A listing printed in chunks as rows arrive (like `docker ps`: aligned columns, no borders),
 * so a million rows never sit in memory. Column widths come from the first chunk and only
 * grow, so later chunks stay aligned in practice. Every cell and heading is escaped
 * (`terminalText`) before it is measured: stored ids and values never drive the terminal.
 */
export class StreamedTable {
  readonly #head: readonly string[];
  readonly #align: readonly ('left' | 'right')[];
  readonly #stream: NodeJS.WritableStream;
  readonly #color: boolean;
  #widths: number[];
  #rows: string[][] = [];
  #printedHead = false;
  /** Rows per chunk. */
  static readonly CHUNK = 500;

  constructor(head: readonly string[], align: readonly ('left' | 'right')[], stream: NodeJS.WritableStream) {
    this.#head = head.map(terminalText);
    this.#align = align;
    this.#stream = stream;
    this.#color = useColor(stream);
    this.#widths = this.#head.map((name) => name.length);
  }

  /** Adds a row; prints a chunk when enough rows are waiting. */
  async push(row: string[]): Promise<void> {
    this.#rows.push(row.map(terminalText));
    if (this.#rows.length >= StreamedTable.CHUNK) await this.flush();
  }

  /** Prints the rows waiting (the header with the first chunk, even when there is no row). */
  async flush(): Promise<void> {
    if (this.#rows.length === 0 && this.#printedHead) return;
    this.#widths = this.#widths.map((width, column) =>
      Math.max(width, ...this.#rows.map((row) => (row[column] ?? '').length)),
    );
    const table = new Table({
      chars: COLUMNS_ONLY,
      colWidths: this.#widths,
      colAligns: [...this.#align],
      wordWrap: false,
      style: { 'padding-left': 0, 'padding-right': 0, head: this.#color ? ['cyan'] : [], border: [] },
      ...(this.#printedHead ? {} : { head: [...this.#head] }),
    });
    for (const row of this.#rows) table.push(row);
    this.#rows = [];
    this.#printedHead = true;
    const text = table.toString();
    if (text.length > 0) await write(this.#stream, `${text.replace(/ +$/gm, '')}\n`);
  }
}
