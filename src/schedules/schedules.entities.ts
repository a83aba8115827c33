import { Schedule, ScheduleRun } from './schedule.entity';

/** The schedules module's tables, composed with the other modules' in src/app.entities.ts. */
export const SCHEDULES_ENTITIES = [Schedule, ScheduleRun];
