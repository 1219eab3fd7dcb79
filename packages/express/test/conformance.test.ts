import { listening } from '../../../test-support/listening.js';
/** The adapter conformance suite (test-support/adapter-conformance.ts) over Express. */

import { randomBytes } from 'node:crypto';
import { session } from '@vessel/express';
import express, { type NextFunction, type Request, type Response } from 'express';
import { type AdapterHarness, describeAdapterConformance } from '../../../test-support/adapter-conformance.js';

type Data = Record<string, unknown>;

const harness: AdapterHarness = {
  name: 'express',
  async start({ vessel, lazy }) {
    const app = express();
    app.use(session({ vessel, lazy, resave: false, saveUninitialized: false }));
    /** The request's session data (loaded first in lazy mode). */
    const data = async (req: Request): Promise<Data> => {
      if (lazy) await req.loadSession();
      return req.session as unknown as Data;
    };
    const route =
      (handler: (req: Request, res: Response) => Promise<unknown>) =>
      (req: Request, res: Response, next: NextFunction) =>
        handler(req, res).catch(next);
    app.get('/untouched', (_req, res) => res.type('text').send('ok'));
    app.get(
      '/count',
      route(async (req, res) => {
        const s = await data(req);
        s.count = ((s.count as number | undefined) ?? 0) + 1;
        res.type('text').send(String(s.count));
      }),
    );
    app.get(
      '/set/:key',
      route(async (req, res) => {
        (await data(req))[req.params.key as string] = true;
        res.type('text').send('ok');
      }),
    );
    app.get(
      '/keys',
      route(async (req, res) => {
        const keys = Object.keys(await data(req)).filter((key) => key !== 'cookie');
        res.type('text').send(JSON.stringify(keys.sort()));
      }),
    );
    app.post(
      '/login',
      route(async (req, res) => {
        await data(req);
        await new Promise<void>((resolve, reject) => req.session.regenerate((err) => (err ? reject(err) : resolve())));
        (req.session as unknown as Data).user = String(req.query.user);
        res.type('text').send('ok');
      }),
    );
    app.post(
      '/logout',
      route(async (req, res) => {
        await data(req);
        await new Promise<void>((resolve, reject) => req.session.destroy((err) => (err ? reject(err) : resolve())));
        res.type('text').send('ok');
      }),
    );
    app.get(
      '/whoami',
      route(async (req, res) => res.type('text').send(String((await data(req)).user ?? 'nobody'))),
    );
    app.post(
      '/flash',
      route(async (req, res) => {
        const s = await data(req);
        s.flash = [...((s.flash as string[] | undefined) ?? []), String(req.query.message)];
        res.type('text').send('ok');
      }),
    );
    app.get(
      '/flashes',
      route(async (req, res) => {
        const s = await data(req);
        const messages = (s.flash as string[] | undefined) ?? [];
        delete s.flash;
        res.type('text').send(JSON.stringify(messages));
      }),
    );
    app.post(
      '/lang',
      route(async (req, res) => {
        (await data(req)).lang = String(req.query.lang);
        res.type('text').send('ok');
      }),
    );
    app.get(
      '/lang',
      route(async (req, res) => res.type('text').send(String((await data(req)).lang ?? 'en'))),
    );
    app.get(
      '/form',
      route(async (req, res) => {
        const s = await data(req);
        s.csrf ??= randomBytes(18).toString('base64url');
        res.type('text').send(String(s.csrf));
      }),
    );
    app.post(
      '/form',
      route(async (req, res) => {
        const s = await data(req);
        if (typeof s.csrf !== 'string' || req.query.token !== s.csrf) {
          res.status(403).type('text').send('forbidden');
          return;
        }
        res.type('text').send(`accepted: ${String(req.query.text)}`);
      }),
    );
    app.use((err: { status?: number }, _req: Request, res: Response, _next: NextFunction) => {
      res
        .status(err.status ?? 500)
        .type('text')
        .send('error');
    });
    return listening(app.listen(0, '127.0.0.1'));
  },
};

describeAdapterConformance(harness);
