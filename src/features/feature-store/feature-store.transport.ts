/**
 * One HTTP attempt against the feature store, reduced to a plain outcome value. It never
 * throws: the client decides what each outcome means (retry, 502, 503), so all the
 * fetch/undici error shapes are understood in this one place.
 */

export type AttemptOutcome =
  /** A complete body was read (any status). `truncated`: the body went past the byte limit. */
  | {
      kind: 'response';
      status: number;
      body: string;
      truncated: boolean;
      retryAfter: string | null;
      location: string | null;
    }
  /** No complete answer within the attempt's time budget (connect, headers or body). */
  | { kind: 'timeout'; afterMs: number }
  /** Refused, reset, DNS failure, socket closed mid-body… `code` is the system code when known. */
  | { kind: 'network'; code: string; message: string };

export interface AttemptRequest {
  url: string;
  headers: Record<string, string>;
  timeoutMs: number;
  /** Bytes of body to keep; the rest is discarded and `truncated` is set. */
  maxBytes: number;
}

export async function performAttempt(request: AttemptRequest): Promise<AttemptOutcome> {
  const controller = new AbortController();
  let timedOut = false;
  // One timer for the whole exchange: a server that sends headers and then stalls is as slow as one that never answers.
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, request.timeoutMs);
  try {
    const response = await fetch(request.url, {
      method: 'GET',
      headers: request.headers,
      signal: controller.signal,
      // Not followed: a redirect to another host would carry our API key with it.
      redirect: 'manual',
    });
    const { text, truncated } = await readCapped(response, request.maxBytes);
    return {
      kind: 'response',
      status: response.status,
      body: text,
      truncated,
      retryAfter: response.headers.get('retry-after'),
      location: response.headers.get('location'),
    };
  } catch (error) {
    if (timedOut) return { kind: 'timeout', afterMs: request.timeoutMs };
    return { kind: 'network', code: systemCode(error) ?? 'NETWORK_ERROR', message: describe(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** Reads at most maxBytes of the body, then cancels the stream so the socket is released. */
async function readCapped(response: Response, maxBytes: number): Promise<{ text: string; truncated: boolean }> {
  const declared = Number(response.headers.get('content-length'));
  if (response.body === null) return { text: '', truncated: false };
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body.cancel().catch(() => undefined);
    return { text: '', truncated: true };
  }
  // The fetch body is a byte stream (undici types it as ReadableStream<any>).
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (bytes > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return { text: text + decoder.decode(value.subarray(0, value.byteLength - (bytes - maxBytes))), truncated: true };
    }
    text += decoder.decode(value, { stream: true });
  }
  return { text: text + decoder.decode(), truncated: false };
}

/** undici nests the system error (ECONNREFUSED, ECONNRESET…) in `cause`, sometimes twice, sometimes in an AggregateError. */
function systemCode(error: unknown, depth = 0): string | undefined {
  if (depth > 4 || typeof error !== 'object' || error === null) return undefined;
  const e = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && /^E[A-Z]+$|^UND_ERR/.test(e.code)) return e.code;
  if (Array.isArray(e.errors)) {
    for (const inner of e.errors) {
      const code = systemCode(inner, depth + 1);
      if (code) return code;
    }
  }
  return systemCode(e.cause, depth + 1);
}

function describe(error: unknown): string {
  const messages: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth++) {
    if (current.message && !messages.includes(current.message)) messages.push(current.message);
    current = (current as { cause?: unknown }).cause;
  }
  return messages.join(': ') || String(error);
}
