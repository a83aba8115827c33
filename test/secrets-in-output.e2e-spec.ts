import { spawnService } from './support/service-process';

/**
 * The service as an OS process: what it prints when it refuses to start must name the bad
 * variable but never echo a credential (operators paste these messages into tickets).
 */
describe('no secret in start-up output', () => {
  jest.setTimeout(60_000);

  it('exits 78 naming API_KEY and DATABASE_URL without printing their values', async () => {
    const svc = await spawnService({
      API_KEY: 'short',
      DATABASE_URL: 'mysql://app:db-pa55word@db/x',
      DEPLOYMENT_NOTIFY_SECRET: 'hmac-secret',
    });
    const { code } = await svc.exited;
    const out = svc.output();
    expect(code).toBe(78);
    expect(out).toContain('API_KEY=<hidden, 5 characters>');
    expect(out).toContain('DATABASE_URL="mysql://app:[redacted]@db/x"');
    expect(out).not.toMatch(/short"|db-pa55word|hmac-secret/);
  });

  it('a database that cannot be reached: the failure is reported without the password', async () => {
    // Port 1 on loopback refuses at once; the driver's error must not carry the URL's password.
    const svc = await spawnService({
      DATABASE_URL: 'postgres://app:db-pa55word@127.0.0.1:1/x',
      API_KEY: 'long-enough-key',
    });
    const { code } = await svc.exited;
    const out = svc.output();
    expect(code).toBe(1);
    expect(out).toContain('Cannot start');
    expect(out).not.toMatch(/db-pa55word|long-enough-key/);
  });
});
