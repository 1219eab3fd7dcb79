// The app the deep-record suite runs in a child process, so a crash shows as an exit: Express 5
// and `session()` on the storage VESSEL_STORAGE describes (createStorage's options as JSON). No
// 'unhandledRejection' or 'uncaughtException' handler: either would end the process, as in
// production. GET / answers the request's session and what `onReject` heard. Prints
// `listening <port>` once it accepts requests; SIGTERM closes the server and the storage.
import { once } from 'node:events';
import { createServer } from 'node:http';
import { createStorage } from '@vessel/core';
import { session } from '@vessel/express';
import express from 'express';

const storage = createStorage(JSON.parse(process.env.VESSEL_STORAGE));
const heard = new WeakMap();

const app = express();
app.use(
  session({
    storage,
    secret: process.env.VESSEL_SECRET,
    resave: false,
    saveUninitialized: false,
    onReject: (event, req) => heard.set(req, event),
  }),
);
app.post('/login', (req, res) => {
  req.session.user = 'ada';
  res.json({ id: req.sessionID });
});
app.get('/', (req, res) => {
  res.json({ id: req.sessionID, user: req.session.user ?? null, reject: heard.get(req) ?? null });
});
app.use((err, _req, res, _next) => {
  console.error(err);
  if (res.headersSent) return res.destroy();
  res.status(500).json({ error: err.message });
});

const server = createServer(app).listen(0, '127.0.0.1');
await once(server, 'listening');
console.log(`listening ${server.address().port}`);

process.once('SIGTERM', async () => {
  server.close();
  server.closeAllConnections();
  await once(server, 'close');
  await storage.close();
  process.exit(0);
});
