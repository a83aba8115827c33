import { Module } from '@nestjs/common';
import { ExperimentsModule } from '../experiments/experiments.module';
import { TrainingModule } from '../training/training.module';
import { SweepsController } from './sweeps.controller';
import { SweepsRepository } from './sweeps.repository';
import { SweepsService } from './sweeps.service';

@Module({
  imports: [TrainingModule, ExperimentsModule],
  controllers: [SweepsController],
  providers: [SweepsRepository, SweepsService],
  exports: [SweepsService],
})
export class SweepsModule {}
