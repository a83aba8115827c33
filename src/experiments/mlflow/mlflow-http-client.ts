import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';

/** A failed call to the MLflow tracking server; `retryable` when trying again may help. */
export class MlflowCallError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
    readonly errorCode: string | null,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'MlflowCallError';
  }
}

/**
 * HTTP to an MLflow tracking server's REST API 2.0 (`{EXPERIMENT_TRACKING_URI}/api/2.0/mlflow/…`),
 * behind an injectable class so tests and a second transport have a place. Every call has
 * its own timeout (EXPERIMENT_TRACKING_TIMEOUT_MS). Credentials: EXPERIMENT_TRACKING_TOKEN as a
 * bearer token, or user:password in the URI as basic auth.
 */
@Injectable()
export class MlflowHttpClient {
  readonly baseUrl: string | null;
  private readonly headers: Record<string, string> = { accept: 'application/json' };
  private readonly timeoutMs: number;

  constructor(config: AppConfig) {
    this.timeoutMs = config.experimentTrackingTimeoutMs;
    if (!config.experimentTrackingUri) {
      this.baseUrl = null;
      return;
    }
    const url = new URL(config.experimentTrackingUri);
    if (url.username || url.password) {
      this.headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString('base64')}`;
      url.username = '';
      url.password = '';
    }
    if (config.experimentTrackingToken) this.headers.authorization = `Bearer ${config.experimentTrackingToken}`;
    this.baseUrl = url.toString().replace(/\/+$/, '');
  }

  get<T>(endpoint: string, query: Record<string, string>, signal?: AbortSignal): Promise<T> {
    return this.call<T>('GET', endpoint, query, signal);
  }

  post<T>(endpoint: string, body: unknown, signal?: AbortSignal): Promise<T> {
    return this.call<T>('POST', endpoint, body, signal);
  }

  private async call<T>(method: 'GET' | 'POST', endpoint: string, payload: unknown, signal?: AbortSignal): Promise<T> {
    if (!this.baseUrl) throw new MlflowCallError('EXPERIMENT_TRACKING_URI is not set', null, null, false);
    const url = new URL(`${this.baseUrl}/api/2.0/mlflow/${endpoint}`);
    if (method === 'GET')
      for (const [k, v] of Object.entries(payload as Record<string, string>)) url.searchParams.set(k, v);
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const combined = signal ? AbortSignal.any([timeout, signal]) : timeout;
    let status: number;
    let text: string;
    try {
      const res = await fetch(url, {
        method,
        headers: method === 'POST' ? { ...this.headers, 'content-type': 'application/json' } : this.headers,
        body: method === 'POST' ? JSON.stringify(payload) : undefined,
        signal: combined,
      });
      status = res.status;
      text = await res.text();
    } catch (e) {
      if (timeout.aborted)
        throw new MlflowCallError(`MLflow ${endpoint} timed out after ${this.timeoutMs} ms`, null, null, true);
      if (signal?.aborted)
        throw new MlflowCallError(`MLflow ${endpoint} was abandoned (shutting down)`, null, null, false);
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new MlflowCallError(
        `MLflow ${endpoint} failed: ${cause?.code ?? cause?.message ?? (e as Error).message}`,
        null,
        null,
        true,
      );
    }
    let body: unknown = {};
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      if (status < 400)
        throw new MlflowCallError(
          `MLflow ${endpoint} answered ${status} with a body that is not JSON`,
          status,
          null,
          true,
        );
    }
    if (status >= 400) {
      const err = body as { error_code?: unknown; message?: unknown };
      const code = typeof err?.error_code === 'string' ? err.error_code : null;
      const message = typeof err?.message === 'string' ? err.message : text.slice(0, 200);
      throw new MlflowCallError(
        `MLflow ${endpoint} answered ${status}${code ? ` ${code}` : ''}: ${message}`,
        status,
        code,
        status >= 500 || status === 408 || status === 429,
      );
    }
    return body as T;
  }
}
