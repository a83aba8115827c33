import { isoOrNull } from '../common/iso-time';
import type { ScheduleDto, ScheduleRunDto } from './dto/schedule.dto';
import type { CompareOn } from './promotion';
import type { Schedule, ScheduleRun } from './schedule.entity';

/** Statuses a training job ends in. */
export const FINAL_JOB = ['succeeded', 'failed', 'cancelled'];

/** What GET /schedules/{id} shows beside the schedule's own columns, gathered by the service. */
export interface ScheduleShown {
  /** The latest runs, newest first. */
  runs: ScheduleRun[];
  /** Status of the training job of each queued run, by job id. */
  jobs: Map<string, string>;
  /** The next occurrence (ISO), null when paused. */
  next: string | null;
  compareOn: CompareOn | null;
}

/** A schedule as the API answers it. */
export function scheduleDto(s: Schedule, shown: ScheduleShown): ScheduleDto {
  return {
    id: s.id,
    model_id: s.model_id,
    cron: s.cron,
    timezone: s.timezone,
    window: s.window,
    base: s.base,
    on_success: s.on_success,
    compare_on: shown.compareOn,
    paused: s.paused,
    next_run_at: shown.next,
    runs: shown.runs.map((r) => runView(r, shown.jobs.get(r.job_id ?? ''))),
    created_at: isoOrNull(s.created_at)!,
    updated_at: isoOrNull(s.updated_at)!,
  };
}

function runView(r: ScheduleRun, jobStatus: string | undefined): ScheduleRunDto {
  // A queued run follows its job: running while it trains, settling (briefly) once it ended.
  const status =
    r.status === 'queued' && jobStatus === 'running'
      ? 'running'
      : r.status === 'queued' && jobStatus && FINAL_JOB.includes(jobStatus)
        ? 'settling'
        : r.status;
  return {
    id: r.id,
    trigger: r.trigger,
    status,
    job_id: r.job_id,
    version: r.version,
    outcome: r.outcome,
    reason: r.reason,
    window:
      r.window_start && r.window_end
        ? { start_date: r.window_start.toISOString(), end_date: r.window_end.toISOString() }
        : null,
    comparison: r.comparison,
    started_at: isoOrNull(r.created_at)!,
    finished_at: isoOrNull(r.finished_at),
  };
}
