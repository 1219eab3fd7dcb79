import { createInterface } from 'node:readline/promises';
import type { Io } from './output.js';
import { terminalText } from './terminal-text.js';

/** Asks a yes/no question on the terminal (escaped: it may name stored ids); only `y`/`yes` agrees. */
export async function confirm(question: string, io: Io): Promise<boolean> {
  const prompt = createInterface({ input: io.input, output: io.err, terminal: false });
  try {
    io.err.write(`${terminalText(question)} [y/N] `);
    const answer = await new Promise<string>((resolve) => {
      prompt.once('line', resolve);
      prompt.once('close', () => resolve(''));
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    prompt.close();
  }
}
