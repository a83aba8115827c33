import { Injectable } from '@nestjs/common';

export interface TransportResult {
  status: number;
}

/** The HTTP side effect of notifications (Node's fetch); swap it in tests or for another transport. */
@Injectable()
export class NotificationTransport {
  async post(
    url: string,
    body: string,
    headers: Record<string, string>,
    signal: AbortSignal,
  ): Promise<TransportResult> {
    const res = await fetch(url, { method: 'POST', body, headers, signal, redirect: 'error' });
    // Drain the body so the socket is released; its content is not used.
    await res.arrayBuffer().catch(() => undefined);
    return { status: res.status };
  }
}
