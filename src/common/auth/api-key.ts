import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Constant-time API key check. Both sides are hashed first so that neither the content
 * nor the length of the configured key leaks through timing.
 */
export class ApiKeyVerifier {
  private readonly expected: Buffer;

  constructor(apiKey: string) {
    this.expected = createHash('sha256').update(apiKey).digest();
  }

  /** The key sent as `X-API-Key: <key>` or `Authorization: Bearer <key>`, if any. */
  static presentedKey(headers: IncomingHttpHeaders): string | undefined {
    const header = headers['x-api-key'];
    if (typeof header === 'string' && header.length > 0) return header;
    const auth = headers.authorization;
    if (typeof auth === 'string') {
      const m = /^Bearer\s+(.+)$/i.exec(auth.trim());
      if (m) return m[1];
    }
    return undefined;
  }

  matches(presented: string | undefined): boolean {
    if (presented === undefined) return false;
    return timingSafeEqual(createHash('sha256').update(presented).digest(), this.expected);
  }
}
