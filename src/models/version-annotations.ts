import { Injectable } from '@nestjs/common';

export type VersionAnnotator = (modelId: string, version: string) => Record<string, unknown>;

/**
 * Other modules add fields to a version's JSON here (the prediction module: which engine
 * serves it in this process), so the models module does not need to know them.
 */
@Injectable()
export class VersionAnnotations {
  private readonly annotators: VersionAnnotator[] = [];

  register(annotator: VersionAnnotator): void {
    this.annotators.push(annotator);
  }

  annotate(modelId: string, version: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const a of this.annotators) Object.assign(out, a(modelId, version));
    return out;
  }
}
