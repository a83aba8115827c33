import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorEnvelope } from './error-envelope';
import { toAppError } from './to-app-error';

/**
 * Turns every exception into the one error envelope. Stacks go to the log with the
 * correlation id; the client sees only the envelope.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const request = ctx.getRequest<FastifyRequest>();
    const reply = ctx.getResponse<FastifyReply>();
    const correlationId = String(request?.id ?? '');
    const error = toAppError(exception);

    if (error.status >= 500) {
      const original = exception instanceof Error ? exception : new Error(String(exception));
      this.logger.error(
        { correlation_id: correlationId, err: { message: original.message, stack: original.stack } },
        `${request?.method} ${request?.url} failed`,
      );
    }
    const body: ErrorEnvelope = {
      error_type: error.errorType,
      error_code: error.errorCode,
      message: error.message,
      details: error.details,
      correlation_id: correlationId,
    };
    if (reply.sent) return;
    reply.headers(error.headers).status(error.status).send(body);
  }
}
