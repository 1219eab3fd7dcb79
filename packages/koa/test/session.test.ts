/** `ctx.session` as a Koa app uses it, over real servers on real sockets and a SQLite store. */

import type { Vessel } from '@vessel/core';
import { type KoaSessionMiddleware, type KoaSessionOptions, session } from '@vessel/koa';
import Koa from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cookiePair, EXPIRED, parseSetCookie } from '../../../test-support/sessions.js';
import { type Route, request, routes, type Served, serve, tempVessel } from './support.js';

const DAY_MS = 86_400_000;

let vessel: Vessel;
let dispose: () => Promise<void>;
const servers: Served[] = [];

beforeAll(async () => {
  ({ vessel, dispose } = await tempVessel());
});
afterAll(async () => {
  await Promise.all(servers.map((served) => served.close()));
  await dispose?.();
});

/** Starts an app with `session(options)` in front of `table`; returns its URL and middleware. */
async function start(
  table: Readonly<Record<string, Route>>,
  options: Partial<KoaSessionOptions> = {},
  configure?: (app: Koa) => void,
): Promise<{ url: string; middleware: KoaSessionMiddleware }> {
  const app = new Koa();
  configure?.(app);
  const middleware = session({ vessel, ...options });
  app.use(middleware);
  app.use(routes(table));
  const served = await serve(app);
  servers.push(served);
  return { url: served.url, middleware };
}

/** Runs `work`, answering its error's message (so a test reads what the app would have seen). */
function caught(work: (ctx: Koa.ParameterizedContext) => unknown): Route {
  return (ctx) => {
    try {
      work(ctx);
      ctx.body = 'no error';
    } catch (error) {
      ctx.body = (error as Error).message;
    }
  };
}

const common: Record<string, Route> = {
  'GET /set': (ctx) => {
    ctx.session.user = String(ctx.query.user);
    ctx.body = 'ok';
  },
  'GET /read': (ctx) => {
    ctx.body = JSON.stringify(ctx.session);
  },
  'GET /id': (ctx) => {
    ctx.body = ctx.session.externalKey;
  },
};

/** A browser's cookie after logging in as `user` on `url`. */
async function loggedIn(url: string, user = 'ada'): Promise<string> {
  const { setCookie } = await request(`${url}/set?user=${user}`);
  return cookiePair(setCookie[0]);
}

describe("ctx.session = null (koa-session's way to end a session)", () => {
  let url: string;
  let middleware: KoaSessionMiddleware;
  beforeAll(async () => {
    ({ url, middleware } = await start({
      ...common,
      'POST /logout': (ctx) => {
        ctx.session = null;
        ctx.body = JSON.stringify({ populated: ctx.session.populated, length: ctx.session.length });
      },
      'POST /logout-with-flash': (ctx) => {
        ctx.session = null;
        ctx.session.notice = 'logged out';
        ctx.body = 'ok';
      },
    }));
  });

  it('deletes the stored session and clears its cookie; the rest of the request sees no data', async () => {
    const cookie = await loggedIn(url);
    const id = (await request(`${url}/id`, { cookie })).body;
    const logout = await request(`${url}/logout`, { method: 'POST', cookie });
    expect(logout.body).toBe('{"populated":false,"length":0}');
    expect(logout.setCookie).toHaveLength(1);
    expect(logout.setCookie[0]).toContain(EXPIRED);
    expect(await middleware.sessions.get(id)).toBeNull();
    expect((await request(`${url}/read`, { cookie })).body).toBe('{}');
  });

  it('keys written after it start a new session under a new id (a flash after logout)', async () => {
    const cookie = await loggedIn(url);
    const before = (await request(`${url}/id`, { cookie })).body;
    const logout = await request(`${url}/logout-with-flash`, { method: 'POST', cookie });
    expect(logout.setCookie).toHaveLength(1);
    expect(logout.setCookie[0]).not.toContain(EXPIRED);
    const fresh = cookiePair(logout.setCookie[0]);
    expect((await request(`${url}/read`, { cookie: fresh })).body).toBe('{"notice":"logged out"}');
    expect((await request(`${url}/id`, { cookie: fresh })).body).not.toBe(before);
    expect(await middleware.sessions.get(before)).toBeNull();
  });
});

describe('assigning ctx.session', () => {
  let url: string;
  beforeAll(async () => {
    ({ url } = await start({
      ...common,
      'POST /replace': (ctx) => {
        ctx.session = { theme: 'dark', tabs: [1, 2] };
        ctx.body = 'ok';
      },
      'GET /assign-number': caught((ctx) => {
        ctx.session = 5 as unknown as null;
      }),
    }));
  });

  it('an object replaces the data', async () => {
    const cookie = await loggedIn(url);
    await request(`${url}/replace`, { method: 'POST', cookie });
    expect(JSON.parse((await request(`${url}/read`, { cookie })).body)).toEqual({ theme: 'dark', tabs: [1, 2] });
  });

  it('anything else is refused, saying what it takes', async () => {
    expect((await request(`${url}/assign-number`)).body).toBe(
      'ctx.session can only be set to null or an object, got number',
    );
  });
});

describe('changes made in place', () => {
  let url: string;
  beforeAll(async () => {
    ({ url } = await start({
      ...common,
      'GET /cart/add': (ctx) => {
        ctx.session.cart ??= [];
        (ctx.session.cart as string[]).push(String(ctx.query.item));
        ctx.body = 'ok';
      },
      'GET /profile/rename': (ctx) => {
        ctx.session.profile ??= { name: 'ada', tags: [] };
        (ctx.session.profile as { name: string }).name = String(ctx.query.name);
        ctx.body = 'ok';
      },
    }));
  });

  it('pushing onto an array in the session is saved', async () => {
    const cookie = cookiePair((await request(`${url}/cart/add?item=tea`)).setCookie[0]);
    await request(`${url}/cart/add?item=milk`, { cookie });
    expect(JSON.parse((await request(`${url}/read`, { cookie })).body)).toEqual({ cart: ['tea', 'milk'] });
  });

  it('a field of a nested object changed in place is saved', async () => {
    const cookie = cookiePair((await request(`${url}/profile/rename?name=ada`)).setCookie[0]);
    await request(`${url}/profile/rename?name=grace`, { cookie });
    expect(JSON.parse((await request(`${url}/read`, { cookie })).body)).toEqual({
      profile: { name: 'grace', tags: [] },
    });
  });
});

describe('ctx.session.maxAge (per session, in ms)', () => {
  let url: string;
  let middleware: KoaSessionMiddleware;
  beforeAll(async () => {
    ({ url, middleware } = await start({
      ...common,
      'GET /max-age': (ctx) => {
        ctx.body = String(ctx.session.maxAge);
      },
      'POST /login-remembered': async (ctx) => {
        await ctx.regenerateSession();
        ctx.session.user = 'ada';
        ctx.session.maxAge = 30 * DAY_MS;
        ctx.body = 'ok';
      },
      'GET /max-age-session': caught((ctx) => {
        ctx.session.maxAge = 'session' as unknown as number;
      }),
      'GET /max-age-negative': caught((ctx) => {
        ctx.session.maxAge = -1;
      }),
    }));
  });

  it('reads the idle timeout sessions get by default (one day when the vessel sets none)', async () => {
    expect((await request(`${url}/max-age`)).body).toBe(String(DAY_MS));
  });

  it('"remember me": the session keeps a timeout of its own, and its cookie lasts as long', async () => {
    const started = Date.now();
    const login = await request(`${url}/login-remembered`, { method: 'POST' });
    const cookie = parseSetCookie(login.setCookie[0] as string);
    const expires = Date.parse(cookie.attributes.expires as string);
    expect(expires).toBeGreaterThanOrEqual(started + 30 * DAY_MS - 2000);
    expect(expires).toBeLessThanOrEqual(Date.now() + 30 * DAY_MS + 1000);
    const pair = `${cookie.name}=${cookie.raw}`;
    expect((await request(`${url}/max-age`, { cookie: pair })).body).toBe(String(30 * DAY_MS));
    const id = (await request(`${url}/id`, { cookie: pair })).body;
    expect((await middleware.sessions.get(id))?.idleTimeout).toBe(30 * 86_400);
  });

  it("refuses 'session' and non-positive values, saying why", async () => {
    expect((await request(`${url}/max-age-session`)).body).toMatch(/'session' is not supported per session/);
    expect((await request(`${url}/max-age-negative`)).body).toBe(
      'ctx.session.maxAge: expected milliseconds > 0 or undefined, got -1',
    );
  });
});

describe('Set-Cookie', () => {
  let url: string;
  beforeAll(async () => {
    ({ url } = await start({
      ...common,
      'GET /with-cookies': (ctx) => {
        ctx.cookies.set('theme', 'dark');
        ctx.append('Set-Cookie', 'tracking=1; Path=/');
        ctx.session.user = 'ada';
        ctx.body = 'ok';
      },
    }));
  });

  it("is appended beside the app's own cookies, never replacing them", async () => {
    const { setCookie } = await request(`${url}/with-cookies`);
    expect(setCookie.map((header) => parseSetCookie(header).name)).toEqual(['theme', 'tracking', 'vessel.sid']);
  });

  it('is not sent to a new visitor whose session stays empty', async () => {
    expect((await request(`${url}/read`)).setCookie).toEqual([]);
  });
});

describe('errors thrown downstream', () => {
  let url: string;
  beforeAll(async () => {
    ({ url } = await start({
      ...common,
      'GET /invalid': (ctx) => {
        ctx.session.notice = 'please fill in every field';
        ctx.throw(400, 'invalid form');
      },
      'GET /bug': (ctx) => {
        ctx.session.user = 'mallory';
        throw new Error('a bug');
      },
    }));
  });

  it('a client error (ctx.throw(400)) is an answer: what the request changed is stored', async () => {
    const cookie = await loggedIn(url);
    expect((await request(`${url}/invalid`, { cookie })).status).toBe(400);
    expect(JSON.parse((await request(`${url}/read`, { cookie })).body)).toEqual({
      user: 'ada',
      notice: 'please fill in every field',
    });
  });

  it('a server error stores nothing the request changed, and sends no cookie', async () => {
    const cookie = await loggedIn(url);
    const failed = await request(`${url}/bug`, { cookie });
    expect(failed).toMatchObject({ status: 500, setCookie: [] });
    expect(JSON.parse((await request(`${url}/read`, { cookie })).body)).toEqual({ user: 'ada' });
  });
});

describe('errors thrown downstream, lazy sessions', () => {
  let url: string;
  /** `route` after the session is loaded (lazy mode). */
  const loaded =
    (route: Route): Route =>
    async (ctx) => {
      await ctx.loadSession();
      return route(ctx);
    };
  beforeAll(async () => {
    ({ url } = await start(
      {
        'GET /set': loaded(common['GET /set'] as Route),
        'GET /read': loaded(common['GET /read'] as Route),
        'GET /invalid': loaded((ctx) => {
          ctx.session.notice = 'please fill in every field';
          ctx.throw(400, 'invalid form');
        }),
        'GET /bug': loaded((ctx) => {
          ctx.session.user = 'mallory';
          throw new Error('a bug');
        }),
        'GET /untouched-bug': () => {
          throw new Error('a bug before any session');
        },
      },
      { lazy: true },
    ));
  });

  it('a client error after the session loaded stores what the request changed', async () => {
    const cookie = await loggedIn(url);
    expect((await request(`${url}/invalid`, { cookie })).status).toBe(400);
    expect(JSON.parse((await request(`${url}/read`, { cookie })).body)).toEqual({
      user: 'ada',
      notice: 'please fill in every field',
    });
  });

  it('a server error stores nothing and sends no cookie, loaded or not', async () => {
    const cookie = await loggedIn(url);
    expect(await request(`${url}/bug`, { cookie })).toMatchObject({ status: 500, setCookie: [] });
    expect(await request(`${url}/untouched-bug`)).toMatchObject({ status: 500, setCookie: [] });
    expect(JSON.parse((await request(`${url}/read`, { cookie })).body)).toEqual({ user: 'ada' });
  });
});

describe('lazy sessions', () => {
  let url: string;
  beforeAll(async () => {
    ({ url } = await start(
      {
        'GET /early': caught((ctx) => ctx.session.user),
        'GET /loaded': async (ctx) => {
          const loaded = await ctx.loadSession();
          loaded.user = 'ada';
          ctx.body = String(loaded === ctx.session && ctx.session.user === 'ada');
        },
      },
      { lazy: true },
    ));
  });

  it('ctx.session before ctx.loadSession() says what to do', async () => {
    expect((await request(`${url}/early`)).body).toBe(
      'ctx.session: sessions load lazily here (session({ lazy: true })); await ctx.loadSession() first',
    );
  });

  it('ctx.loadSession() resolves to ctx.session, usable from then on', async () => {
    const loaded = await request(`${url}/loaded`);
    expect(loaded.body).toBe('true');
    expect(loaded.setCookie).toHaveLength(1);
  });
});

describe('no-cookie mode (sessionId)', () => {
  it('reads the id the app names, writes no cookie, and gives the id as ctx.session.externalKey', async () => {
    const { url } = await start(
      {
        'GET /count': (ctx) => {
          ctx.session.count = ((ctx.session.count as number | undefined) ?? 0) + 1;
          ctx.body = `${ctx.session.count} ${ctx.session.externalKey}`;
        },
      },
      { sessionId: (ctx) => ctx.get('X-Session-Id') || null },
    );
    const first = await request(`${url}/count`);
    const [count, id] = first.body.split(' ');
    expect([count, first.setCookie]).toEqual(['1', []]);
    const second = await request(`${url}/count`, { headers: { 'X-Session-Id': id as string } });
    expect([second.body, second.setCookie]).toEqual([`2 ${id}`, []]);
  });
});

describe('regenerating', () => {
  it('ctx.session.regenerate() keeps the data under a new id; the old id opens nothing', async () => {
    const { url } = await start({
      ...common,
      'POST /regenerate': async (ctx) => {
        await ctx.session.regenerate();
        ctx.body = ctx.session.externalKey;
      },
    });
    const cookie = await loggedIn(url);
    const before = (await request(`${url}/id`, { cookie })).body;
    const regenerated = await request(`${url}/regenerate`, { method: 'POST', cookie });
    expect(regenerated.body).not.toBe(before);
    const fresh = cookiePair(regenerated.setCookie[0]);
    expect(JSON.parse((await request(`${url}/read`, { cookie: fresh })).body)).toEqual({ user: 'ada' });
    expect((await request(`${url}/read`, { cookie })).body).toBe('{}');
  });
});

describe('autoCommit: false', () => {
  it('stores only what ctx.session.save() (or manuallyCommit()) stored; the cookie is still written', async () => {
    const { url } = await start(
      {
        ...common,
        'GET /unsaved': (ctx) => {
          ctx.session.draft = 'lost';
          ctx.body = 'ok';
        },
        'GET /saved': async (ctx) => {
          ctx.session.kept = 'yes';
          await ctx.session.manuallyCommit();
          ctx.body = 'ok';
        },
      },
      { autoCommit: false },
    );
    expect((await request(`${url}/unsaved`)).setCookie).toEqual([]);
    const cookie = cookiePair((await request(`${url}/saved`)).setCookie[0]);
    await request(`${url}/unsaved`, { cookie });
    expect(JSON.parse((await request(`${url}/read`, { cookie })).body)).toEqual({ kept: 'yes' });
  });
});

describe("koa-session's cookie options", () => {
  it('key, maxAge, path, domain, httpOnly and sameSite shape the cookie', async () => {
    const { url } = await start(common, {
      key: 'app.sess',
      maxAge: 2 * 3_600_000,
      path: '/',
      domain: 'example.test',
      httpOnly: false,
      sameSite: true,
    });
    const started = Date.now();
    const { setCookie } = await request(`${url}/set?user=ada`);
    const cookie = parseSetCookie(setCookie[0] as string);
    expect(cookie.name).toBe('app.sess');
    expect(cookie.attributes).toMatchObject({ path: '/', domain: 'example.test', samesite: 'Strict' });
    expect(cookie.attributes.httponly).toBeUndefined();
    expect(Date.parse(cookie.attributes.expires as string)).toBeGreaterThanOrEqual(started + 2 * 3_600_000 - 2000);
    const pair = `${cookie.name}=${cookie.raw}`;
    expect((await request(`${url}/read`, { cookie: pair })).body).toBe('{"user":"ada"}');
  });

  it('secure: the cookie is held back over plain HTTP, and sent when Koa (app.proxy) or trustProxy says HTTPS', async () => {
    const https = { 'X-Forwarded-Proto': 'https' };
    const plain = await start(common, { secure: true });
    expect((await request(`${plain.url}/set?user=ada`, { headers: https })).setCookie).toEqual([]);
    const proxied = await start(common, { secure: true }, (app) => {
      app.proxy = true;
    });
    const sent = await request(`${proxied.url}/set?user=ada`, { headers: https });
    expect(parseSetCookie(sent.setCookie[0] as string).attributes.secure).toBe(true);
    const trusted = await start(common, { secure: true, trustProxy: true });
    expect((await request(`${trusted.url}/set?user=ada`, { headers: https })).setCookie).toHaveLength(1);
    const distrusted = await start(common, { secure: true, trustProxy: false }, (app) => {
      app.proxy = true;
    });
    expect((await request(`${distrusted.url}/set?user=ada`, { headers: https })).setCookie).toEqual([]);
  });
});

describe('the session manager behind the middleware', () => {
  it("is the vessel's own when its config already says everything the options do", async () => {
    const own = await tempVessel({});
    try {
      expect(session({ vessel: own.vessel }).sessions).toBe(own.vessel.sessions);
      expect(session({ vessel: own.vessel, maxAge: DAY_MS }).sessions).not.toBe(own.vessel.sessions);
    } finally {
      await own.dispose();
    }
  });

  it('takes everything else from the vessel config, options winning', () => {
    const { options } = session({ vessel, key: 'app.sess', maxAge: 'session' }).sessions;
    expect(options).toMatchObject({
      key: 'app.sess',
      cookieExpires: false,
      secret: vessel.config.session.secret,
    });
  });
});

describe('ctx.session where no session middleware ran', () => {
  it('says so', async () => {
    const app = new Koa();
    const middleware = session({ vessel });
    app.use((ctx, next) => (ctx.path === '/with' ? middleware(ctx, next) : next()));
    app.use(
      routes({
        'GET /with': (ctx) => {
          ctx.body = 'ok';
        },
        'GET /without': caught((ctx) => ctx.session.user),
      }),
    );
    const served = await serve(app);
    servers.push(served);
    await request(`${served.url}/with`);
    expect((await request(`${served.url}/without`)).body).toBe(
      'ctx.session: no session middleware ran for this request; app.use(session({ vessel })) before the middleware that uses it',
    );
  });
});
