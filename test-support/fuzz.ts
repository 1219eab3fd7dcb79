import { createHash } from 'node:crypto';

/**
 * A small deterministic PRNG (sfc32) for the fuzz suites: the same seed gives the same cases on
 * every machine, so a failure can be replayed with `VESSEL_FUZZ_SEED=<seed>`.
 */
export class Rng {
  #a: number;
  #b: number;
  #c: number;
  #d: number;

  constructor(seed: number) {
    // Splitmix-style spreading of one 32-bit seed over sfc32's four words.
    this.#a = 0x9e3779b9;
    this.#b = 0x243f6a88;
    this.#c = 0xb7e15162;
    this.#d = seed >>> 0;
    for (let i = 0; i < 16; i++) this.next();
  }

  /** A float in [0, 1). */
  next(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return (t >>> 0) / 4294967296;
  }

  /** An integer in [0, max). */
  int(max: number): number {
    return Math.floor(this.next() * max);
  }

  /** An integer in [min, max]. */
  between(min: number, max: number): number {
    return min + this.int(max - min + 1);
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('pick from an empty list');
    return items[this.int(items.length)] as T;
  }

  /** `length` characters drawn from `alphabet`. */
  string(length: number, alphabet: string): string {
    let text = '';
    for (let i = 0; i < length; i++) text += alphabet[this.int(alphabet.length)];
    return text;
  }

  bytes(length: number): Buffer {
    const bytes = Buffer.alloc(length);
    for (let i = 0; i < length; i++) bytes[i] = this.int(256);
    return bytes;
  }

  /** A child generator for one part of a suite, so adding cases to one part leaves the others as they were. */
  fork(label: string): Rng {
    return new Rng(this.int(0x1_0000_0000) ^ hash32(label));
  }
}

function hash32(text: string): number {
  return createHash('sha256').update(text).digest().readUInt32LE(0);
}

/** The seed every fuzz suite starts from unless `VESSEL_FUZZ_SEED` says otherwise. */
export const DEFAULT_FUZZ_SEED = 7_2026;

/**
 * The generator of suite `suite`: seeded from `VESSEL_FUZZ_SEED` (a number, or any text, which
 * is hashed), else `DEFAULT_FUZZ_SEED`. Prints the seed so a failing run can be replayed.
 */
export function fuzzRng(suite: string): { seed: string; rng: Rng } {
  const seed = process.env.VESSEL_FUZZ_SEED ?? String(DEFAULT_FUZZ_SEED);
  const numeric = /^\d+$/.test(seed) ? Number(seed) >>> 0 : hash32(seed);
  console.log(`[fuzz] ${suite}: seed ${seed} (replay with VESSEL_FUZZ_SEED=${seed})`);
  return { seed, rng: new Rng(numeric ^ hash32(suite)) };
}

export const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const PRINTABLE = ' !"#$%&\'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~';

/** An id of the shape Vessel generates (32 base64url characters), but random. */
export function plausibleId(rng: Rng, length = 32): string {
  return rng.string(length, BASE64URL);
}

/** Traversal pieces: plain, percent- and double-encoded, overlong UTF-8, Windows, unicode lookalikes. */
const TRAVERSAL = [
  '../',
  '..\\',
  '..',
  '.',
  '/',
  '\\',
  '..%2f',
  '..%2F',
  '%2e%2e%2f',
  '%2e%2e/',
  '..%5c',
  '%252e%252e%252f',
  '..%252f',
  '%c0%ae%c0%ae%c0%af',
  '....//',
  '..;/',
  '..\u0000/',
  '%00',
  '\u0000',
  '/etc/passwd',
  '/tmp/',
  'C:\\Windows\\win.ini',
  '\\\\server\\share\\',
  'file:///etc/',
  '~/',
  '\u2025/', // ‥ two dot leader
  '\uff0e\uff0e\uff0f', // ．．／ fullwidth
  '\u2215', // ∕ division slash
  '\u2044', // ⁄ fraction slash
  '\uff3c', // ＼ fullwidth backslash
  '\u2024\u2024/', // ․․ one dot leader
  '\u202e', // right-to-left override
  '\u00a0', // no-break space
];

/** Characters that mean something to a key layout, a glob, SQL or a shell. */
const KEY_METACHARACTERS = [
  ':',
  '::',
  '*',
  '?',
  '[a-z]',
  '{a,b}',
  '%',
  '_',
  "'",
  '"',
  "' OR '1'='1",
  '; DROP TABLE vessel; --',
  '$(id)',
  '`id`',
  '\n',
  '\r\n',
  '\t',
  ' ',
  '\u001b[2J', // a terminal escape sequence
];

/** The families of hostile ids, each a generator. */
export const ID_FAMILIES = {
  /**
   * `../` and friends, optionally around a valid-looking id and ending in a marker name. Half of
   * them avoid `/`, `\` and whitespace, the characters the loosest id check refuses, so they get
   * as far as a check lets anything through.
   */
  traversal(rng: Rng, marker: string): string {
    const pieces = rng.chance(0.5) ? TRAVERSAL : TRAVERSAL.filter((piece) => !/[\s/\\]/.test(piece));
    const parts: string[] = [];
    if (rng.chance(0.3)) parts.push(plausibleId(rng));
    for (let i = rng.between(1, 6); i > 0; i--) parts.push(rng.pick(pieces));
    parts.push(rng.chance(0.7) ? marker : plausibleId(rng));
    return parts.join('');
  },
  /** Key-layout, glob and injection characters in and around a valid-looking id. */
  metacharacters(rng: Rng, marker: string): string {
    const id = plausibleId(rng, rng.between(16, 40));
    const at = rng.int(id.length);
    const inner = rng.pick(KEY_METACHARACTERS);
    const namespace = rng.pick(['cache:users::', '__lock__:session::', 'session::', ':session::', `${marker}:`]);
    return rng.pick([id.slice(0, at) + inner + id.slice(at), `${namespace}${id}`, `${id}${inner}${marker}`]);
  },
  /** Lengths at and around every limit (22/128 of the id pattern, 256, 1024 of keys) and 8 KB. */
  oversized(rng: Rng): string {
    const length = rng.pick([0, 1, 3, 4, 21, 22, 128, 129, 255, 256, 257, 1023, 1024, 1025, 4096, 8192]);
    return rng.chance(0.7) ? plausibleId(rng, length) : rng.string(length, PRINTABLE);
  },
  /** Bad percent-encoding, double encoding, latin-1 bytes (invalid UTF-8 on the wire), base64 instead of base64url. */
  encoding(rng: Rng): string {
    const id = plausibleId(rng);
    const at = rng.int(id.length);
    const junk = rng.pick([
      '%',
      '%G1',
      '%E0%A4%A',
      '%ff%fe',
      '%u002e',
      '%252F',
      '\u00ff\u00fe',
      '\u0080',
      '\u00c3\u00a9',
      '=',
      '==',
      '+',
      '/',
    ]);
    if (rng.chance(0.25)) return `${id.replaceAll('-', '+').replaceAll('_', '/')}==`;
    return id.slice(0, at) + junk + id.slice(at);
  },
  /** Random printable junk and random non-ASCII characters (emoji, CJK, lone combining marks). */
  junk(rng: Rng): string {
    const length = rng.between(0, 64);
    if (rng.chance(0.5)) return rng.string(length, PRINTABLE);
    let text = '';
    for (let i = 0; i < length; i++) text += rng.pick(['é', 'ß', '中', '🍪', '\u0301', 'Ω', '\u200b', 'a', '-']);
    return text;
  },
} as const;

export type IdFamily = keyof typeof ID_FAMILIES;
export const ID_FAMILY_NAMES = Object.keys(ID_FAMILIES) as IdFamily[];

/** One hostile id of a random family (or of `family`). */
export function hostileId(rng: Rng, marker: string, family: IdFamily = rng.pick(ID_FAMILY_NAMES)) {
  return { family, id: ID_FAMILIES[family](rng, marker) };
}

/** Counts per label, for the suites' reports. */
export class Tally {
  readonly counts = new Map<string, number>();

  add(label: string, by = 1): void {
    this.counts.set(label, (this.counts.get(label) ?? 0) + by);
  }

  get total(): number {
    let total = 0;
    for (const count of this.counts.values()) total += count;
    return total;
  }

  toString(): string {
    return [...this.counts].map(([label, count]) => `${label} ${count}`).join(', ');
  }
}
