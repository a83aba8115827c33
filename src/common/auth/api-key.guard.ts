import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '../../config/app-config';
import { AuthenticationError } from '../errors/app-error';
import { ApiKeyVerifier } from './api-key';
import { IS_PUBLIC_ROUTE } from './public.decorator';

/**
 * The one authentication decision, made on the handler the router actually matched (never
 * on URL text: the router decodes %61pi, accepts absolute-form targets and so on, which a
 * string check on the raw URL cannot follow). Deny by default: with API_KEY set every
 * controller route needs the key unless it is marked @Public().
 *
 * Registered as APP_GUARD. Routes outside Nest controllers (Swagger UI /docs, /docs-json,
 * /docs-yaml) never reach it and stay open; an unknown route is Nest's 404 envelope.
 * The rate limiter runs before it (a Fastify onRequest hook), so a wrong key counts
 * against the client address's budget and a key-guessing client ends up throttled (429).
 */
@Injectable()
export class ApiKeyGuard implements CanActivate {
  private readonly verifier?: ApiKeyVerifier;

  constructor(
    private readonly reflector: Reflector,
    config: AppConfig,
  ) {
    this.verifier = config.apiKey ? new ApiKeyVerifier(config.apiKey) : undefined;
  }

  canActivate(context: ExecutionContext): boolean {
    if (!this.verifier) return true;
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC_ROUTE, [context.getHandler(), context.getClass()]))
      return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (this.verifier.matches(ApiKeyVerifier.presentedKey(request.headers))) return true;
    throw new AuthenticationError();
  }
}
