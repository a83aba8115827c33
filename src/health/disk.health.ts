import * as fs from 'node:fs/promises';
import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { AppConfig } from '../config/app-config';

/** Free space under MODEL_REGISTRY_PATH, where artifacts and the embedded database are written. */
@Injectable()
export class DiskHealthIndicator {
  constructor(
    private readonly config: AppConfig,
    private readonly indicators: HealthIndicatorService,
  ) {}

  async check(key = 'disk') {
    const indicator = this.indicators.check(key);
    try {
      const stats = await fs.statfs(this.config.modelRegistryPath);
      const freeMb = Math.floor((stats.bavail * stats.bsize) / 1048576);
      const details = { path: this.config.modelRegistryPath, free_mb: freeMb, min_free_mb: this.config.minFreeDiskMb };
      return freeMb >= this.config.minFreeDiskMb
        ? indicator.up(details)
        : indicator.down({ ...details, message: 'not enough free disk space' });
    } catch (e) {
      return indicator.down({ path: this.config.modelRegistryPath, message: (e as Error).message });
    }
  }
}
