import { Module } from '@nestjs/common';
import { DashboardController } from './dashboard.controller';

/** The web dashboard (GET /ui): models, experiments and runs, comparisons, live training jobs. */
@Module({ controllers: [DashboardController] })
export class DashboardModule {}
