/**
 * The embedded offset store: one JSON file per pipeline in the state dir, replaced atomically (write a temp
 * file, fsync, rename, fsync the directory) so a crash leaves either the old or the new checkpoint, never half
 * of one. The previous checkpoint is kept beside it as a fallback for a human, not read automatically.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StateError, decodeTagged, encodeTagged, writeFileAtomically, type JsonValue, type Schema } from '@cdc/core';
import type { SchemaOperatorState } from './schema-operator.js';

export const CHECKPOINT_FORMAT = 1;

export interface CheckpointData {
  readonly format: typeof CHECKPOINT_FORMAT;
  readonly pipeline: string;
  readonly checkpointId: number;
  /** ISO time the checkpoint completed. */
  readonly time: string;
  /** Identifier of the source connector: restoring another source's offsets is refused. */
  readonly sourceType: string;
  readonly sinkType: string;
  readonly sourceState: JsonValue;
  /** Schemas known to the runtime: upstream (after transform), evolved (sink side), raw (before transform). */
  readonly schemas: SchemaOperatorState & { readonly raw: Readonly<Record<string, Schema>> };
  /** What the sink writers prepared; committed after the file is written, and again on restore. */
  readonly committables: readonly JsonValue[];
}

export interface CheckpointStore {
  load(): CheckpointData | undefined;
  save(data: CheckpointData): void;
  readonly location: string;
}

export class FileCheckpointStore implements CheckpointStore {
  readonly location: string;
  private readonly file = 'checkpoint.json';

  constructor(private readonly dir: string) {
    this.location = join(dir, this.file);
  }

  load(): CheckpointData | undefined {
    if (!existsSync(this.location)) return undefined;
    const fixHint = `restore it from ${join(this.dir, `previous-${this.file}`)} or delete the state dir ${this.dir} to start over (the source then starts as scan.startup.mode says)`;
    let data: unknown;
    try {
      data = decodeTagged(readFileSync(this.location, 'utf8'));
    } catch (e) {
      throw new StateError(`checkpoint file ${this.location} is corrupted: ${(e as Error).message}`, { hint: fixHint, cause: e });
    }
    const d = data as Partial<CheckpointData> | null;
    const problem =
      d === null || typeof d !== 'object'
        ? 'not a JSON object'
        : d.format !== CHECKPOINT_FORMAT
          ? `unknown format ${JSON.stringify(d.format)}`
          : typeof d.checkpointId !== 'number'
            ? 'checkpointId missing'
            : typeof d.sourceType !== 'string'
              ? 'sourceType missing'
              : !d.schemas || typeof d.schemas !== 'object' || !Array.isArray(d.schemas.upstream) || !Array.isArray(d.schemas.evolved)
                ? 'schemas missing'
                : !Array.isArray(d.committables)
                  ? 'committables missing'
                  : undefined;
    if (problem) throw new StateError(`checkpoint file ${this.location} is corrupted: ${problem}`, { hint: fixHint });
    return d as CheckpointData;
  }

  save(data: CheckpointData): void {
    writeFileAtomically(this.location, encodeTagged(data), { keepPreviousAs: join(this.dir, `previous-${this.file}`) });
  }
}

/** Keeps checkpoints in memory (tests, bounded runs without a state dir). */
export class MemoryCheckpointStore implements CheckpointStore {
  readonly location = 'memory';
  private data: CheckpointData | undefined;
  load(): CheckpointData | undefined {
    return this.data;
  }
  save(data: CheckpointData): void {
    this.data = data;
  }
}
