/**
 * Which environment values are secrets, and how to show them without giving them away.
 * Start-up errors and logs name the variable and what is wrong with it, never the secret:
 * a message pasted into a ticket or shipped to a log store must not leak a credential.
 */

/** Variables whose whole value is a credential. */
export const SECRET_VARIABLES = [
  'API_KEY',
  'DEPLOYMENT_NOTIFY_SECRET',
  'FEATURE_STORE_API_KEY',
  'EXPERIMENT_TRACKING_TOKEN',
] as const;

/** Variables holding URLs that may carry `user:password@` (or, for webhooks, a list of them). */
export const URL_VARIABLES = [
  'DATABASE_URL',
  'EXPERIMENT_TRACKING_URI',
  'FEATURE_STORE_URL',
  'DEPLOYMENT_NOTIFY_URLS',
] as const;

export const REDACTED = '[redacted]';

// scheme://user:password@ — the password runs to the last '@' before the path, so an
// unencoded '@' inside it is still covered.
const URL_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/)([^\s/@:]*):([^\s/]*)@/gi;

/** `postgres://u:pw@h/db` → `postgres://u:[redacted]@h/db`; anything else unchanged. */
export function redactUrlPasswords(text: string): string {
  return text.replace(URL_PASSWORD, (_m, scheme: string, user: string) => `${scheme}${user}:${REDACTED}@`);
}

/** How a rejected value is shown in the start-up error: secrets by length only, URLs without passwords. */
export function describeEnvValue(variable: string, value: unknown): string {
  if ((SECRET_VARIABLES as readonly string[]).includes(variable)) {
    return typeof value === 'string' ? `<hidden, ${value.length} characters>` : '<hidden>';
  }
  if (typeof value === 'string') return JSON.stringify(redactUrlPasswords(value));
  return JSON.stringify(value);
}

/**
 * Removes every secret of this environment from a free text (an error message from a
 * driver, say): URL passwords by shape, and the exact values of the secret variables.
 * Very short values are skipped: replacing every "a" in a message helps no one, and the
 * configuration check already refuses an API_KEY under 8 characters.
 */
export function redactSecrets(text: string, env: Record<string, string | undefined>): string {
  let out = redactUrlPasswords(text);
  const values: string[] = [];
  for (const name of SECRET_VARIABLES) {
    const v = env[name];
    if (v && v.length >= 4) values.push(v);
  }
  for (const name of URL_VARIABLES) {
    for (const m of (env[name] ?? '').matchAll(URL_PASSWORD)) {
      const password = m[3];
      if (password.length >= 4) values.push(password, safeDecode(password));
    }
  }
  for (const v of values.sort((a, b) => b.length - a.length)) out = out.split(v).join(REDACTED);
  return out;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
