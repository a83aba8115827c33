// The dashboard's API client: it calls the service's public API (/api/v1) with the API key
// the user enters, exactly as any other client does.

const KEY_STORAGE = 'mlwb.apiKey';
/** Whether the service wants a key (the page's meta tag; never the key itself). */
export const AUTH_REQUIRED =
  document.querySelector('meta[name="mlwb-auth-required"]')?.getAttribute('content') === 'true';

/** The key lives in localStorage (this browser only); in memory when storage is unavailable. */
let memoryKey = '';
export function getKey() {
  try {
    return localStorage.getItem(KEY_STORAGE) ?? memoryKey;
  } catch {
    return memoryKey;
  }
}

export class ApiError extends Error {
  constructor(status, body, path) {
    super(body?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error_code;
    this.correlationId = body?.correlation_id;
    this.path = path;
  }
}

export async function api(path) {
  const headers = { Accept: 'application/json' };
  const key = getKey();
  if (key) headers['X-API-Key'] = key;
  const res = await fetch(`/api/v1${path}`, { headers });
  let body = null;
  try {
    body = await res.json();
  } catch {
    /* not JSON */
  }
  if (!res.ok) throw new ApiError(res.status, body, path);
  return body;
}

/** A non-JSON answer (the predictions CSV) as text; errors still come in the JSON envelope. */
export async function apiText(path) {
  const key = getKey();
  const res = await fetch(`/api/v1${path}`, { headers: key ? { 'X-API-Key': key } : {} });
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null), path);
  return res.text();
}

/** Keeps the key the user entered: in localStorage when the browser allows it, else in memory. */
export function setKey(key) {
  memoryKey = key;
  try {
    if (key) localStorage.setItem(KEY_STORAGE, key);
    else localStorage.removeItem(KEY_STORAGE);
  } catch {
    /* storage disabled: the key lasts until the page closes */
  }
}

/** An error as the page shows it: the API's message, status, code and correlation id. */
export function errorText(e) {
  if (e instanceof ApiError) {
    if (e.status === 401) return 'The service refused the API key (401). Enter the right key above.';
    return `${e.message} (HTTP ${e.status}${e.code ? `, ${e.code}` : ''}${e.correlationId ? `, correlation id ${e.correlationId}` : ''})`;
  }
  return e instanceof Error ? e.message : String(e);
}
