import type { HealthIndicatorResult } from '@nestjs/terminus';

/**
 * Other modules (queue, ML backend) add their readiness checks here at start, so the
 * health module does not need to know them.
 */
export class ReadinessChecks {
  private readonly checks: Array<() => Promise<HealthIndicatorResult>> = [];

  register(check: () => Promise<HealthIndicatorResult>): void {
    this.checks.push(check);
  }

  all(): Array<() => Promise<HealthIndicatorResult>> {
    return [...this.checks];
  }
}
