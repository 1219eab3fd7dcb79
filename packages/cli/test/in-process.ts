import path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { main } from '../src/index.js';
import type { App, Run } from './support.js';

/** A stream that keeps everything written to it, and can wait for a piece of text. */
class Collected extends Writable {
  text = '';
  readonly #waiting: { needle: string; resolve: () => void }[] = [];

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    for (const waiter of this.#waiting.filter((waiting) => this.text.includes(waiting.needle))) {
      this.#waiting.splice(this.#waiting.indexOf(waiter), 1);
      waiter.resolve();
    }
    done();
  }

  /** Resolves once `needle` has been written. */
  until(needle: string): Promise<void> {
    if (this.text.includes(needle)) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push({ needle, resolve }));
  }
}

/** How an in-process run talks to its "terminal". */
export interface Terminal {
  /** A person is at a terminal (prompts allowed). */
  readonly interactive?: boolean;
  /** Typed at the first prompt; stdin closes right away when absent. */
  readonly answer?: string;
  /** Called when the prompt (`[y/N]`) shows, before the answer is typed. */
  readonly beforeAnswer?: () => Promise<void>;
}

/**
 * Runs `session-inspect` in this process through its public `main`, against the store named by
 * the app's `vessel.config.json`: what the built binary does, where StrykerJS can see it.
 */
export function runCli(app: App, args: readonly string[], terminal: Terminal = {}): Promise<Run> {
  return runMain(['--config', path.join(app.dir, 'vessel.config.json'), ...args], terminal);
}

/** Runs `session-inspect` in this process with exactly `args` (no config added). */
export async function runMain(args: readonly string[], terminal: Terminal = {}): Promise<Run> {
  const out = new Collected();
  const err = new Collected();
  const input = new PassThrough();
  if (terminal.answer === undefined) input.end();
  else
    void err.until('[y/N]').then(async () => {
      await terminal.beforeAnswer?.();
      input.end(`${terminal.answer}\n`);
    });
  const code = await main(args, {
    out,
    err,
    input,
    interactive: terminal.interactive ?? false,
  });
  input.end();
  return { code, stdout: out.text, stderr: err.text };
}
