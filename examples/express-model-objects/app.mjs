// Model objects in the session: stored as their data, revived into instances on read (the
// guide's SQLAlchemy note: what comes back is detached data, reconciled with the model layer).
import { fileURLToPath } from 'node:url';
import { developmentSecret } from '@vessel/core';
import session from '@vessel/express';
import express from 'express';

/** A model class; sessions keep plain data (no methods, no code), so it revives itself. */
export class Address {
  constructor({ id, street, city, verifiedAt }) {
    Object.assign(this, { id, street, city, verifiedAt });
  }

  /** Re-attaches stored data to the model, as `DBSession.merge(address)` does. */
  static fromSession(data) {
    return data ? new Address(data) : undefined;
  }

  label() {
    return `${this.street}, ${this.city}`;
  }
}

const ADDRESSES = new Map([
  [7, new Address({ id: 7, street: '12 St James Sq', city: 'London', verifiedAt: new Date(0) })],
]);

export function createApp(sessionOptions = {}) {
  const app = express();
  app.use(
    session({
      secret: process.env.SESSION_SECRET ?? developmentSecret(),
      cacheDir: './data',
      resave: false,
      saveUninitialized: false,
      ...sessionOptions,
    }),
  );
  app.post('/address/:id', (req, res) => {
    const address = ADDRESSES.get(Number(req.params.id));
    if (!address) return res.sendStatus(404);
    req.session.address = address;
    res.sendStatus(204);
  });
  app.get('/address', (req, res) => {
    const address = Address.fromSession(req.session.address);
    res.json({ label: address?.label() ?? null, instance: address instanceof Address });
  });
  return app;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const server = createApp().listen(Number(process.env.PORT ?? 3000), () => {
    console.log(`model objects example on http://localhost:${server.address().port}/address (POST /address/7 first)`);
  });
}
