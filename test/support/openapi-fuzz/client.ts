import * as http from 'node:http';

/** One request exactly as it goes on the wire (the path is not normalised or re-encoded). */
export interface WireRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface WireResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** Percent-encode a string byte by byte (UTF-8; a lone surrogate becomes U+FFFD), keeping `keep` characters as they are. */
export function encodeBytes(value: string, keep: RegExp): string {
  let out = '';
  for (const ch of value) {
    if (ch.length === 1 && keep.test(ch)) out += ch;
    else for (const b of Buffer.from(ch, 'utf8')) out += `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** For query values and encoded path segments: everything but unreserved characters encoded. */
export const encodeComponent = (v: string) => encodeBytes(v, /[A-Za-z0-9\-._~]/);

/**
 * A raw HTTP/1.1 client on one keep-alive connection: `..`, broken percent-encoding and
 * invalid JSON reach the server exactly as written (fetch would normalise or refuse them).
 * Counts every request it sends; a request that takes longer than `timeoutMs` is a hang.
 */
export class WireClient {
  sent = 0;
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  private readonly host: string;
  private readonly port: number;

  constructor(
    baseUrl: string,
    private readonly timeoutMs = 20_000,
  ) {
    const u = new URL(baseUrl);
    this.host = u.hostname;
    this.port = Number(u.port);
  }

  async send(req: WireRequest): Promise<WireResponse> {
    this.sent++;
    try {
      return await this.once(req);
    } catch (e) {
      // A keep-alive socket the server had just closed: Node's documented retry case.
      if (
        (e as { reused?: boolean }).reused &&
        /ECONNRESET|socket hang up/.test(String((e as Error).message) + String((e as { code?: string }).code))
      )
        return this.once(req);
      throw e;
    }
  }

  private once(req: WireRequest): Promise<WireResponse> {
    const headers: Record<string, string | number> = { ...(req.headers ?? {}) };
    if (req.body !== undefined) headers['content-length'] = Buffer.byteLength(req.body);
    return new Promise((resolve, reject) => {
      const r = http.request(
        { host: this.host, port: this.port, path: req.path, method: req.method, headers, agent: this.agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              text: Buffer.concat(chunks).toString('utf8'),
            }),
          );
          res.on('error', reject);
        },
      );
      r.setTimeout(this.timeoutMs, () => r.destroy(new Error(`no answer within ${this.timeoutMs} ms (a hang)`)));
      r.on('error', (e) => reject(Object.assign(e, { reused: r.reusedSocket })));
      r.end(req.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
