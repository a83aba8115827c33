import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toAppError } from '../../common/errors/to-app-error';
import { sendEnvelope } from '../../common/http/http-hooks';

/** MLflow's error format and statuses (mlflow/exceptions.py ERROR_CODE_TO_HTTP_STATUS). */
export interface MlflowErrorBody {
  error_code: string;
  message: string;
}

export function mlflowError(exception: unknown): { status: number; body: MlflowErrorBody } {
  const e = toAppError(exception);
  if (e.status === 404) return { status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: e.message } };
  if (e.errorCode === 'EXPERIMENT_EXISTS')
    return { status: 400, body: { error_code: 'RESOURCE_ALREADY_EXISTS', message: e.message } };
  if (e.status === 401) return { status: 401, body: { error_code: 'UNAUTHENTICATED', message: e.message } };
  if (e.status === 429) return { status: 429, body: { error_code: 'REQUEST_LIMIT_EXCEEDED', message: e.message } };
  if (e.status === 503) return { status: 503, body: { error_code: 'TEMPORARILY_UNAVAILABLE', message: e.message } };
  if (e.status >= 500) return { status: 500, body: { error_code: 'INTERNAL_ERROR', message: e.message } };
  // 400 / 409 (immutable param, deleted run) / 413 / 415 / 422: MLflow calls all of these invalid parameters.
  return { status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: e.message } };
}

/**
 * On the MLflow-compatible controller only: errors in MLflow's shape
 * `{"error_code": "RESOURCE_DOES_NOT_EXIST", "message": …}` with MLflow's HTTP statuses, so MLflow
 * clients understand them. (Everything else keeps the service's one error envelope.)
 */
@Catch()
export class MlflowExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('MlflowApi');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const request = ctx.getRequest<FastifyRequest>();
    const reply = ctx.getResponse<FastifyReply>();
    // A missing or wrong API key is answered like on every other /api route (the service's
    // envelope), as it was when the key was checked before routing: one 401 for all clients.
    const appError = toAppError(exception);
    if (appError.status === 401) {
      if (!reply.sent) sendEnvelope(reply, request, appError);
      return;
    }
    const { status, body } = mlflowError(exception);
    if (status >= 500) {
      const original = exception instanceof Error ? exception : new Error(String(exception));
      this.logger.error(
        { correlation_id: String(request?.id ?? ''), err: { message: original.message, stack: original.stack } },
        `${request?.method} ${request?.url} failed`,
      );
    }
    if (reply.sent) return;
    reply.status(status).send(body);
  }
}
