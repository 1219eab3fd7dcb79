import type { Session } from '../session/session.js';

/**
 * A session's data as plain properties over `session`, with the adapter's `methods` beside them:
 * what koa-session's `ctx.session` and @fastify/session's `request.session` look like
 * (`ctx.session.views = 1`, `delete ctx.session.flash`, `{ ...ctx.session }`). Reads go through
 * `session.get` (objects stay live: changes made in place are saved), writes through
 * `session.set` (`undefined` deletes), so change tracking and merged saves work as with the
 * session's own API. A method name wins over a data key of the same name; read such a key with
 * `session.get`.
 */
export function sessionProperties<Methods extends object>(
  session: Session,
  methods: Methods,
): Methods & Record<string, unknown> {
  const isMethod = (key: string | symbol) => Object.hasOwn(methods, key);
  return new Proxy(methods as Methods & Record<string, unknown>, {
    get(target, key, receiver) {
      if (typeof key === 'symbol' || isMethod(key)) return Reflect.get(target, key, receiver);
      if (key === 'toJSON') return () => session.toJSON();
      return session.get(key);
    },
    set(target, key, value, receiver) {
      if (typeof key === 'symbol' || isMethod(key)) return Reflect.set(target, key, value, receiver);
      session.set(key, value);
      return true;
    },
    deleteProperty(target, key) {
      if (typeof key === 'symbol' || isMethod(key)) return Reflect.deleteProperty(target, key);
      session.delete(key);
      return true;
    },
    has(target, key) {
      return typeof key === 'string' && !isMethod(key) ? session.has(key) : Reflect.has(target, key);
    },
    ownKeys() {
      return session.keys();
    },
    getOwnPropertyDescriptor(_target, key) {
      if (typeof key !== 'string' || isMethod(key) || !session.has(key)) return undefined;
      return { value: session.get(key), writable: true, enumerable: true, configurable: true };
    },
    defineProperty(_target, key, descriptor) {
      if (typeof key !== 'string' || isMethod(key) || !('value' in descriptor)) return false;
      session.set(key, descriptor.value);
      return true;
    },
  });
}
