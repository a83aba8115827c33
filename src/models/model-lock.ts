import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { NotFoundError } from '../common/errors/app-error';

/** What a locked model row tells the caller. */
export interface LockedModel {
  id: string;
  archived_at: Date | null;
}

/**
 * The models module's row lock, for another module's transaction: `SELECT … FOR UPDATE` on
 * the model (the lock ModelsService.archive and reserveVersion take), held until that
 * transaction ends. Changes of one model taken under it serialise, and archiving cannot
 * interleave with them. Other modules call this instead of reading the models table.
 */
@Injectable()
export class ModelLock {
  /** Locks the model's row in `m`'s transaction; 404 MODEL_NOT_FOUND when there is no such model. */
  async lock(m: EntityManager, modelId: string): Promise<LockedModel> {
    const [model] = await m.query<LockedModel[]>(`SELECT id, archived_at FROM models WHERE id = $1 FOR UPDATE`, [
      modelId,
    ]);
    if (!model) throw new NotFoundError(`Model ${modelId} does not exist`, { model_id: modelId }, 'MODEL_NOT_FOUND');
    return model;
  }
}
