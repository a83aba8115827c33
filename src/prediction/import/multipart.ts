/**
 * multipart/form-data (RFC 7578) read from the raw request stream, up to a byte limit: just
 * what an upload of a few named fields needs. The body is buffered (the ONNX file is parsed
 * whole anyway) and reading stops — 413 — as soon as it passes the limit.
 */
import type { Readable } from 'node:stream';
import { AppError, PayloadTooLargeError } from '../../common/errors/app-error';

export interface FormPart {
  name: string;
  filename: string | null;
  contentType: string | null;
  data: Buffer;
}

const bad = (message: string) => new AppError(400, 'BadRequestError', 'INVALID_MULTIPART', message, null);

/** The boundary of a multipart/form-data Content-Type, or null when it is not one. */
export function multipartBoundary(contentType: string | undefined): string | null {
  if (!contentType || !/^multipart\/form-data\s*(;|$)/i.test(contentType)) return null;
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  return m ? (m[1] ?? m[2]) : null;
}

export async function readLimited(stream: Readable, limit: number, variable: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      stream.destroy();
      throw new PayloadTooLargeError(`The upload is larger than ${limit} bytes (${variable})`, {
        limit_bytes: limit,
        limit_variable: variable,
      });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function parseMultipart(body: Buffer, boundary: string): FormPart[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: FormPart[] = [];
  let pos = body.indexOf(delimiter);
  if (pos < 0)
    throw bad('the body has no multipart boundary line; send multipart/form-data as a browser or `curl -F` does');
  for (;;) {
    pos += delimiter.length;
    if (body.subarray(pos, pos + 2).toString() === '--') return parts; // closing delimiter
    if (body.subarray(pos, pos + 2).toString() !== '\r\n') throw bad('malformed multipart delimiter line');
    pos += 2;
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    if (headerEnd < 0) throw bad('a multipart part has no end of headers');
    const headers = body.subarray(pos, headerEnd).toString('utf8').split('\r\n');
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd + 4);
    if (next < 0) throw bad('the multipart body is truncated (no closing boundary)');
    let name: string | null = null;
    let filename: string | null = null;
    let contentType: string | null = null;
    for (const h of headers) {
      const [key, ...rest] = h.split(':');
      const value = rest.join(':').trim();
      if (/^content-disposition$/i.test(key.trim())) {
        if (!/^form-data\b/i.test(value))
          throw bad(`a part's Content-Disposition is '${value.slice(0, 60)}', not form-data`);
        name = /;\s*name="([^"]*)"/i.exec(value)?.[1] ?? /;\s*name=([^;\s]+)/i.exec(value)?.[1] ?? null;
        filename = /;\s*filename="([^"]*)"/i.exec(value)?.[1] ?? null;
      } else if (/^content-type$/i.test(key.trim())) contentType = value;
    }
    if (name === null) throw bad('a multipart part has no name');
    parts.push({ name, filename, contentType, data: body.subarray(headerEnd + 4, next) });
    pos = next + 2;
    if (parts.length > 32) throw bad('too many multipart parts');
  }
}
