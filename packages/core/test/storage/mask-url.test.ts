import { createStorage, maskUrl, StorageUnavailableError } from '@vessel/core';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../../../test-support/ports.js';

describe('credentials in storage URLs never reach a message', () => {
  it('masks a PostgreSQL password given as ?password= in the query, in the error and the location', async () => {
    const port = await freePort();
    const storage = createStorage({
      url: `postgres://vessel@127.0.0.1:${port}/test?password=hunter2&sslmode=disable`,
      timeoutMs: 1000,
    });
    const error = (await storage.ping().catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(StorageUnavailableError);
    expect(error.message).toBe(
      `cannot reach postgres://vessel@127.0.0.1:${port}/test?password=***&sslmode=disable: ECONNREFUSED`,
    );
    expect(storage.location).not.toContain('hunter2');
    await storage.close();
  });

  it('masks every credential-like query parameter and the userinfo password', () => {
    const masked = maskUrl(
      'postgres://app:pw1@db:5432/x?sslpassword=pw2&sslkey=/keys/k.pem&pass=pw3&PWD=pw4&token=pw5&sslmode=require',
    );
    for (const secret of ['pw1', 'pw2', '/keys/k.pem', 'pw3', 'pw4', 'pw5']) expect(masked).not.toContain(secret);
    expect(masked).toContain('sslmode=require');
    expect(masked).toContain('app:***@db');
  });

  it('masks the query of a string the URL parser refuses', () => {
    const masked = maskUrl('postgres://app:pw1@[bad/x?password=pw2&application_name=web');
    expect(masked).not.toContain('pw1');
    expect(masked).not.toContain('pw2');
    expect(masked).toContain('application_name=web');
  });
});
