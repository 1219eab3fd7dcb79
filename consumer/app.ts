/**
 * The consumer test's fresh app: every package packed as npm would publish it, installed with
 * the registry's dependencies into a temporary folder outside the repository, with the README's
 * snippets written into it. Installing compiles sqlite3 (most of two minutes on one core), so
 * `npm test`'s global setup starts it at once and the other suites run meanwhile;
 * `consumer.test.ts` waits for it, or prepares it itself when run alone.
 */
import { execFile } from 'node:child_process';
import { watch } from 'node:fs';
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));

/** What `npm pack --json` says of one package. */
export interface Packed {
  name: string;
  version: string;
  filename: string;
  files: { path: string }[];
}

/** The prepared app: where it is and what was packed into it. */
export interface ConsumerApp {
  app: string;
  tarballs: string;
  packed: Packed[];
}

/** What one command ended with. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The marker a preparation leaves in its folder: the app, or why there is none. */
const MARKER = 'prepared.json';

/**
 * The environment of a user's shell: without the `npm_*` variables `npm test` sets, which would
 * make the inner npm act on this repository (its prefix, its workspaces, its lifecycle), and
 * without the caller's `SESSION_SECRET`.
 */
export function userEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    const npmOwn = /^npm_/i.test(key) && !/^npm_config_(cache|registry|userconfig)$/i.test(key);
    if (!npmOwn && key !== 'INIT_CWD' && key !== 'SESSION_SECRET') env[key] = value;
  }
  return { ...env, NO_COLOR: '1', ...extra };
}

/** Runs `command` in `cwd` as a user's shell would, never throwing. */
export function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd, env: userEnv(env), maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

async function succeed(command: string, args: readonly string[], cwd: string): Promise<string> {
  const result = await run(command, args, cwd);
  if (result.code !== 0) throw new Error(`${command} ${args.join(' ')} exited ${result.code}:\n${result.stderr}`);
  return result.stdout;
}

/** The README blocks marked `<!-- consumer-test: FILE -->` (the root's and every package's), by file name. */
export async function readmeSnippets(): Promise<Map<string, string>> {
  const readmes = [
    path.join(repo, 'README.md'),
    ...(await readdir(path.join(repo, 'packages'))).sort().map((dir) => path.join(repo, 'packages', dir, 'README.md')),
  ];
  const snippets = new Map<string, string>();
  for (const file of readmes) {
    const readme = await readFile(file, 'utf8').catch(() => '');
    for (const match of readme.matchAll(/<!-- consumer-test: (\S+) -->\n```\w*\n([\s\S]*?)```/g)) {
      snippets.set(match[1] as string, match[2] as string);
    }
  }
  return snippets;
}

async function prepare(work: string): Promise<ConsumerApp> {
  const app = path.join(work, 'app');
  const tarballs = path.join(work, 'tarballs');
  await mkdir(app, { recursive: true });
  await mkdir(tarballs, { recursive: true });
  // `prepack` builds each package, as `npm publish` would.
  const packed = JSON.parse(
    await succeed('npm', ['pack', '--workspaces', '--pack-destination', tarballs, '--json'], repo),
  ) as Packed[];
  const dependencies = Object.fromEntries(packed.map((pkg) => [pkg.name, `file:${path.join(tarballs, pkg.filename)}`]));
  const dev = (
    JSON.parse(await readFile(path.join(repo, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }
  ).devDependencies;
  await writeFile(
    path.join(app, 'package.json'),
    JSON.stringify({
      name: 'first-hour',
      version: '1.0.0',
      private: true,
      // The frameworks as a user of each adapter installs them (they are the adapters' peers).
      dependencies: {
        ...dependencies,
        express: dev.express,
        fastify: dev.fastify,
        hono: dev.hono,
        '@hono/node-server': dev['@hono/node-server'],
        koa: dev.koa,
      },
      devDependencies: {
        typescript: dev.typescript,
        '@types/express': dev['@types/express'],
        '@types/koa': dev['@types/koa'],
        '@types/node': dev['@types/node'],
      },
      // As the README's install section says: npm 11 runs sqlite3's build once approved.
      allowScripts: { sqlite3: true },
    }),
  );
  for (const [file, code] of await readmeSnippets()) await writeFile(path.join(app, file), code);
  await succeed('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], app);
  return { app, tarballs, packed };
}

/**
 * Prepares the app in `work` (an empty folder outside the repository) and leaves a marker saying
 * how it went, for `awaitConsumerApp` in another process. Never rejects.
 */
export async function prepareConsumerApp(work: string): Promise<void> {
  const outcome = await prepare(work).then(
    (prepared) => ({ prepared }),
    (error: Error) => ({ error: error.stack ?? String(error) }),
  );
  // Written whole, then renamed: a watcher never reads half a marker.
  await writeFile(path.join(work, `${MARKER}.partial`), JSON.stringify(outcome));
  await rename(path.join(work, `${MARKER}.partial`), path.join(work, MARKER));
}

/** The app `prepareConsumerApp(work)` made, once its marker is there (watched, not polled). */
export async function awaitConsumerApp(work: string): Promise<ConsumerApp> {
  const marker = path.join(work, MARKER);
  const read = () =>
    readFile(marker, 'utf8').then(
      (text) => JSON.parse(text) as { prepared?: ConsumerApp; error?: string },
      () => undefined,
    );
  let outcome = await read();
  if (!outcome) {
    outcome = await new Promise((resolve) => {
      const watcher = watch(work, async (_event, name) => {
        if (name !== MARKER) return;
        const found = await read();
        if (found) {
          watcher.close();
          resolve(found);
        }
      });
      // The marker may have landed between the first read and the watch.
      void read().then((found) => {
        if (found) {
          watcher.close();
          resolve(found);
        }
      });
    });
  }
  if (!outcome?.prepared) throw new Error(`preparing the consumer app failed:\n${outcome?.error}`);
  return outcome.prepared;
}
