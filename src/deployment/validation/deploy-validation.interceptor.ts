import { type CallHandler, type ExecutionContext, Inject, Injectable, type NestInterceptor } from '@nestjs/common';
import { catchError, type Observable, throwError } from 'rxjs';
import { DataValidationError } from '../../common/errors/app-error';
import { DEPLOYMENT_OPTIONS, type DeploymentOptions } from '../deployment-options';
import { deployOptionErrors, fieldsError, mergeFieldErrors, type FieldErrors } from './deploy-field-errors';

/**
 * The global validation pipe runs inside this interceptor: when it rejects a deploy or
 * rollback body, the configuration-dependent checks (target, maximum scaling factor) are
 * added to its list, so one answer names every bad field (an unknown monitoring_level no
 * longer hides `scaling_factor: 1000`). Bodies the pipe accepts get the same checks in the
 * service.
 */
@Injectable()
export class DeployValidationInterceptor implements NestInterceptor {
  constructor(@Inject(DEPLOYMENT_OPTIONS) private readonly options: DeploymentOptions) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const body: unknown = context.switchToHttp().getRequest<{ body?: unknown }>().body;
    return next.handle().pipe(
      catchError((e: unknown) => {
        if (!(e instanceof DataValidationError)) return throwError(() => e);
        const details = e.details as { fields?: FieldErrors[]; fields_total?: number } | null;
        if (!details || !Array.isArray(details.fields) || details.fields_total !== undefined)
          return throwError(() => e);
        const extra = deployOptionErrors(body, this.options);
        if (!extra.length) return throwError(() => e);
        return throwError(() => fieldsError(mergeFieldErrors(details.fields!, extra)));
      }),
    );
  }
}
