import { AppConfig } from './app-config';
import { ConfigValidationError } from './validate-environment';
import { redactSecrets, redactUrlPasswords } from './secret-values';

function startupError(env: Record<string, string>): ConfigValidationError {
  try {
    AppConfig.fromEnv(env);
  } catch (e) {
    if (e instanceof ConfigValidationError) return e;
    throw e;
  }
  throw new Error('the environment was accepted');
}

describe('secrets in start-up errors', () => {
  it('names a too-short API_KEY without printing it', () => {
    const e = startupError({ API_KEY: 'short' });
    expect(e.message).toContain('API_KEY=<hidden, 5 characters>: API_KEY must be at least 8 characters');
    expect(e.message).not.toContain('short"');
    expect(JSON.stringify(e.problems)).not.toContain('short');
  });

  it('never shows a DATABASE_URL, EXPERIMENT_TRACKING_URI or webhook password, while still naming the variable', () => {
    const e = startupError({
      DATABASE_URL: 'mysql://app:db-pa55word@db:3306/x',
      EXPERIMENT_TRACKING_URI: 'ftp://ml:mlflow-pa55@mlflow:5000',
      DEPLOYMENT_NOTIFY_URLS: 'https://hook:hook-pa55@h/x',
      PORT: 'abc',
    });
    const text = e.message + JSON.stringify(e.problems);
    for (const secret of ['db-pa55word', 'mlflow-pa55', 'hook-pa55']) expect(text).not.toContain(secret);
    expect(e.message).toContain(
      'DATABASE_URL="mysql://app:[redacted]@db:3306/x": DATABASE_URL must be a postgres:// URL',
    );
    expect(e.message).toContain('EXPERIMENT_TRACKING_URI="ftp://ml:[redacted]@mlflow:5000"');
    expect(e.message).toContain('PORT="abc"');
  });

  it('hides the other secret variables whatever is wrong with them', () => {
    // None of these has a format of its own today; whichever check is added later, the
    // value must not come back. Pushed through the error type directly.
    const e = new ConfigValidationError([
      { variable: 'DEPLOYMENT_NOTIFY_SECRET', value: 'hmac-key-value', message: 'x' },
      { variable: 'FEATURE_STORE_API_KEY', value: 'fs-key-value', message: 'x' },
      { variable: 'EXPERIMENT_TRACKING_TOKEN', value: 'mlflow-token-value', message: 'x' },
    ]);
    expect(e.message).not.toMatch(/hmac-key-value|fs-key-value|mlflow-token-value/);
    expect(e.message).toContain('FEATURE_STORE_API_KEY=<hidden, 12 characters>');
  });
});

describe('redaction helpers', () => {
  it('redacts the password of any URL, keeping user, host and path', () => {
    expect(redactUrlPasswords('connect to postgres://u:p%40ss@db:5432/x failed')).toBe(
      'connect to postgres://u:[redacted]@db:5432/x failed',
    );
    expect(redactUrlPasswords('postgres://u:p@ss@db/x')).toBe('postgres://u:[redacted]@db/x');
    expect(redactUrlPasswords('postgres://u@db/x and http://h/a:b@c')).toBe('postgres://u@db/x and http://h/a:b@c');
  });

  it('removes the exact secret values of the environment from free text', () => {
    const env = {
      API_KEY: 'key-123456',
      DATABASE_URL: 'postgres://u:s3cr%21t@db/x',
      EXPERIMENT_TRACKING_TOKEN: 'tok-abcdef',
    };
    const text = redactSecrets('password "s3cr!t" for u rejected; key-123456; Bearer tok-abcdef', env);
    expect(text).toBe('password "[redacted]" for u rejected; [redacted]; Bearer [redacted]');
  });
});
