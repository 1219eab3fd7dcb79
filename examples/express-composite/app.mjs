// A composite app: several sub-apps mounted under one router share one session middleware and
// one cookie (the guide's urlmap of home, /servicebroker and /proxy behind beaker_session).
import { fileURLToPath } from 'node:url';
import { developmentSecret } from '@vessel/core';
import session from '@vessel/express';
import express from 'express';

function home() {
  const app = express();
  app.get('/', (req, res) => {
    req.session.visits = (req.session.visits ?? 0) + 1;
    res.json({ app: 'home', visits: req.session.visits });
  });
  return app;
}

function serviceBroker() {
  const app = express();
  app.get('/', (req, res) => {
    req.session.brokerCalls = (req.session.brokerCalls ?? 0) + 1;
    res.json({ app: 'servicebroker', visits: req.session.visits ?? 0, brokerCalls: req.session.brokerCalls });
  });
  return app;
}

function proxy() {
  const app = express();
  app.get('/', (req, res) => res.json({ app: 'proxy', sessionID: req.sessionID, visits: req.session.visits ?? 0 }));
  return app;
}

export function createApp(sessionOptions = {}) {
  const app = express();
  // One middleware, one cookie (key my_project_key), path / so every mounted app sees it.
  app.use(
    session({
      name: 'my_project_key',
      secret: process.env.SESSION_SECRET ?? developmentSecret(),
      cacheDir: './data',
      resave: false,
      saveUninitialized: false,
      ...sessionOptions,
    }),
  );
  app.use('/servicebroker', serviceBroker());
  app.use('/proxy', proxy());
  app.use('/', home());
  return app;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const server = createApp().listen(Number(process.env.PORT ?? 3000), () => {
    console.log(`composite example on http://localhost:${server.address().port}/ (also /servicebroker, /proxy)`);
  });
}
