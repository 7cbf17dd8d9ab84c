/**
 * Runs a prepared pipeline: source -> transform -> route + schema operator -> partitioner -> sink writers,
 * with checkpoints (see the protocol in @cdc/core spi.ts). Single process; sink writers run concurrently.
 */
import { join } from 'node:path';
import {
  describeError,
  Events,
  isCdcError,
  SchemaError,
  SinkError,
  StateError,
  tableIdString,
  type Committer,
  type DataChangeEvent,
  type DataSink,
  type DataSource,
  type Event,
  type JsonValue,
  type Logger,
  type MetadataApplier,
  type SchemaChangeEvent,
  type SchemaChangeType,
  type SourceBatch,
  type SourceReader,
} from '@cdc/core';
import { FileCheckpointStore, MemoryCheckpointStore, type CheckpointData, type CheckpointStore } from './checkpoint-store.js';
import { createLogger } from './logger.js';
import { PipelineMetrics, ProgressReporter, type MetricsSnapshot } from './metrics.js';
import { Partitioner } from './partitioner.js';
import type { PreparedPipeline } from './prepare.js';
import { SchemaOperator, type PlannedChange } from './schema-operator.js';
import { WriterChannel } from './writer-channel.js';
import { closeUdfs } from './transform/index.js';

export interface RunOptions {
  /** Directory for the checkpoint of this pipeline; without it checkpoints stay in memory (no resume). */
  readonly stateDir?: string;
  readonly logger?: Logger;
  /** Abort = stop gracefully: final checkpoint, close, resolve. */
  readonly signal?: AbortSignal;
  /** Progress reporting; default off. */
  readonly progress?: { readonly tty: boolean; readonly stream?: NodeJS.WriteStream };
  readonly metrics?: PipelineMetrics;
  /** Called after each completed checkpoint (tests, tooling). */
  readonly onCheckpoint?: (id: number) => void;
  /** Checkpoint store to use instead of the file store in stateDir (tests). */
  readonly store?: CheckpointStore;
}

export interface RunResult {
  readonly stoppedBy: 'end' | 'signal';
  readonly checkpoints: number;
  readonly metrics: MetricsSnapshot;
}

/** The state dir of a pipeline inside a base state dir. */
export function pipelineStateDir(base: string, pipelineName: string): string {
  const slug = pipelineName.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'pipeline';
  return join(base, slug);
}

function timeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  return Promise.race([
    p.finally(() => clearTimeout(t)),
    new Promise<T>((_, reject) => {
      t = setTimeout(() => reject(new SchemaError(`${what} did not finish within ${ms} ms`, { hint: 'raise pipeline.schema-operator.rpc-timeout or check the sink', retryable: true })), ms);
    }),
  ]);
}

type Wake = { kind: 'batch'; result: IteratorResult<SourceBatch> } | { kind: 'checkpoint' } | { kind: 'abort' };

export class PipelineRun {
  private readonly logger: Logger;
  private readonly metrics: PipelineMetrics;
  private readonly store: CheckpointStore;
  private readonly abort = new AbortController();
  private readonly schemaOp: SchemaOperator;
  private readonly partitioner: Partitioner;
  private channels: WriterChannel[] = [];
  private source!: DataSource;
  private sink!: DataSink;
  private applier!: MetadataApplier;
  private committer: Committer | undefined;
  private reader: SourceReader | undefined;
  private checkpointId = 0;
  private checkpointsDone = 0;
  private sourceState: JsonValue = null;
  private lastStateThunk: (() => JsonValue) | undefined;
  private dirty = false;
  private readonly dataBuf: DataChangeEvent[] = [];

  constructor(
    private readonly p: PreparedPipeline,
    private readonly opts: RunOptions = {},
  ) {
    this.logger = opts.logger ?? createLogger();
    this.metrics = opts.metrics ?? new PipelineMetrics();
    this.store = opts.store ?? (opts.stateDir ? new FileCheckpointStore(opts.stateDir) : new MemoryCheckpointStore());
    this.schemaOp = new SchemaOperator({ behavior: p.settings.schemaChangeBehavior, supported: new Set(), router: p.router, logger: this.logger });
    this.partitioner = new Partitioner(p.settings.parallelism, (id) => this.schemaOp.sinkSchema(id));
    if (opts.signal) {
      if (opts.signal.aborted) this.abort.abort();
      else opts.signal.addEventListener('abort', () => this.abort.abort(), { once: true });
    }
  }

  async run(): Promise<RunResult> {
    const { p } = this;
    const reporter = this.opts.progress ? new ProgressReporter(this.metrics, this.logger, { tty: this.opts.progress.tty, intervalMs: p.settings.metricsIntervalMs, ...(this.opts.progress.stream ? { stream: this.opts.progress.stream } : {}) }) : undefined;
    let stoppedBy: RunResult['stoppedBy'] = 'end';
    try {
      const restored = this.store.load();
      this.checkRestored(restored);
      const ctx = (identifier: string, options: PreparedPipeline['sourceOptions']) => ({ identifier, options, pipeline: p.info, logger: this.logger });
      this.source = p.sourceFactory.create(ctx(p.sourceFactory.identifier, p.sourceOptions));
      this.sink = p.sinkFactory.create(ctx(p.sinkFactory.identifier, p.sinkOptions));
      this.applier = this.sink.metadataApplier();
      const supported = new Set<SchemaChangeType>(this.applier.supportedSchemaChanges.filter((t) => p.allowedSchemaChanges.has(t)));
      this.schemaOp.setSupported(supported);
      this.committer = this.sink.createCommitter?.();
      if (this.committer) {
        await this.committer.recover?.(restored ? { checkpointId: restored.checkpointId, committables: restored.committables } : undefined);
        if (restored?.committables.length) await this.committer.commit(restored.committables, restored.checkpointId);
      }
      if (restored) {
        this.checkpointId = restored.checkpointId;
        this.sourceState = restored.sourceState;
        this.schemaOp.restore(restored.schemas);
        p.transformer?.restore(restored.schemas.raw);
        this.logger.info(`resuming from checkpoint #${restored.checkpointId} of ${restored.time} (${this.store.location})`);
      }
      for (let i = 0; i < p.settings.parallelism; i++) {
        const w = await this.sink.createWriter({ subtask: i, parallelism: p.settings.parallelism, signal: this.abort.signal, logger: this.logger, pipeline: p.info });
        this.channels.push(new WriterChannel(w, p.settings.maxPendingEvents));
      }
      // writers learn the sink tables' schemas again after a restart
      for (const t of this.schemaOp.sinkTables()) this.broadcast(Events.createTable(t.id, t.schema));
      this.reader = await this.source.createReader({
        ...(restored ? { restoredState: restored.sourceState } : {}),
        signal: this.abort.signal,
        logger: this.logger,
        metrics: this.metrics,
        pipeline: p.info,
      });
      reporter?.start();
      stoppedBy = await this.loop();
      await this.checkpoint('final');
      reporter?.stop();
      await this.closeAll();
      return { stoppedBy, checkpoints: this.checkpointsDone, metrics: this.metrics.snapshot() };
    } catch (e) {
      reporter?.stop();
      this.abort.abort();
      await this.closeAll(e);
      throw e;
    }
  }

  private checkRestored(restored: CheckpointData | undefined): void {
    if (!restored) return;
    if (restored.sourceType !== this.p.def.source.type) {
      throw new StateError(`the checkpoint in ${this.store.location} belongs to a "${restored.sourceType}" source, this pipeline reads from "${this.p.def.source.type}"`, {
        hint: 'use another --state-dir or pipeline name for this pipeline, or delete the old state',
      });
    }
  }

  private async loop(): Promise<RunResult['stoppedBy']> {
    const it = this.reader!.read()[Symbol.asyncIterator]();
    const interval = this.p.settings.checkpointIntervalMs;
    let nextCheckpoint = Date.now() + interval;
    let pendingNext: Promise<Wake> | undefined;
    for (;;) {
      if (!pendingNext) {
        pendingNext = it.next().then((result): Wake => ({ kind: 'batch', result }));
        // a rejection while we checkpoint or stop is seen by the next race; never an unhandled rejection
        pendingNext.catch(() => undefined);
      }
      let timer: NodeJS.Timeout | undefined;
      const checkpointWake = new Promise<Wake>((resolve) => {
        timer = setTimeout(() => resolve({ kind: 'checkpoint' }), Math.max(0, nextCheckpoint - Date.now()));
      });
      // a fresh abort promise per wait: every race against one long-lived promise leaves a reaction on it that
      // keeps that race's result (a whole batch) alive until the pipeline ends
      let onAbort: (() => void) | undefined;
      const abortWake = new Promise<Wake>((resolve) => {
        if (this.abort.signal.aborted) return resolve({ kind: 'abort' });
        onAbort = () => resolve({ kind: 'abort' });
        this.abort.signal.addEventListener('abort', onAbort, { once: true });
      });
      const wake = await Promise.race([pendingNext, checkpointWake, abortWake]);
      clearTimeout(timer);
      if (onAbort) this.abort.signal.removeEventListener('abort', onAbort);
      if (wake.kind === 'abort') {
        this.logger.info('stopping: taking a final checkpoint');
        return 'signal';
      }
      if (wake.kind === 'checkpoint') {
        await this.checkpoint('interval');
        nextCheckpoint = Date.now() + interval;
        continue;
      }
      pendingNext = undefined;
      if (wake.result.done) return 'end';
      await this.processBatch(wake.result.value);
      if (Date.now() >= nextCheckpoint) {
        await this.checkpoint('interval');
        nextCheckpoint = Date.now() + interval;
      }
    }
  }

  private async processBatch(batch: SourceBatch): Promise<void> {
    const transformer = this.p.transformer;
    for (const e of batch.events) {
      // the data path stays synchronous: only schema changes are awaited
      if (!transformer) {
        const p = this.route(e);
        if (p) await p;
      } else {
        for (const t of transformer.process(e)) {
          const p = this.route(t);
          if (p) await p;
        }
      }
    }
    if (batch.state) this.lastStateThunk = batch.state;
    this.dirty = true;
    await Promise.all(this.channels.map((c) => c.dispatch()));
  }

  /** One event after transform: data to its writer, schema changes through the operator. */
  private route(t: Event): Promise<void> | undefined {
    if (t.kind === 'data') {
      this.dataBuf.length = 0;
      this.schemaOp.mapData(t, this.dataBuf);
      for (const d of this.dataBuf) {
        this.metrics.dataChange(d);
        this.channels[this.partitioner.partition(d)].push(d);
      }
      return undefined;
    }
    return t.kind === 'flush' ? undefined : this.applySchemaChange(t);
  }

  private broadcast(e: Event): void {
    for (const c of this.channels) c.push(e);
  }

  private async drainAll(): Promise<void> {
    await Promise.all(this.channels.map((c) => c.drain()));
  }

  private async applySchemaChange(e: SchemaChangeEvent): Promise<void> {
    const planned = this.schemaOp.plan(e);
    for (const change of planned) {
      // rows of the old schema reach the sink before the change does
      this.broadcast(Events.flush([change.sinkTable], change.event.kind));
      await this.drainAll();
      if (await this.applyOne(change)) {
        this.schemaOp.applied(change);
        this.partitioner.invalidate(tableIdString(change.sinkTable));
        this.broadcast(change.event);
        this.metrics.schemaChange(tableIdString(change.sinkTable));
      }
    }
    this.schemaOp.upstreamChanged(e);
  }

  private async applyOne(change: PlannedChange): Promise<boolean> {
    const what = `${change.event.kind} on ${tableIdString(change.sinkTable)}`;
    try {
      await timeout(this.applier.applySchemaChange(change.event, this.abort.signal), this.p.settings.schemaChangeTimeoutMs, `sink applying ${what}`);
      this.logger.info(`schema change applied: ${what}`);
      return true;
    } catch (err) {
      if (this.p.settings.schemaChangeBehavior === 'try_evolve' && change.event.kind !== 'create.table') {
        this.logger.warn(`sink could not apply ${what}: ${describeError(err)}; continuing with the old schema (try_evolve)`);
        return false;
      }
      throw new SchemaError(`sink failed to apply ${what}: ${isCdcError(err) ? err.reason : describeError(err)}`, {
        cause: err,
        connector: this.p.def.sink.type,
        retryable: isCdcError(err) && err.retryable,
        hint: (isCdcError(err) && err.hint) || 'fix the sink table, or use schema.change.behavior try_evolve to continue with the old schema',
      });
    }
  }

  private async checkpoint(reason: 'interval' | 'final'): Promise<void> {
    if (!this.dirty && reason === 'interval' && this.checkpointsDone > 0) return;
    const started = Date.now();
    const id = this.checkpointId + 1;
    if (this.lastStateThunk) this.sourceState = this.lastStateThunk();
    await this.drainAll();
    const prepared = await Promise.all(
      this.channels.map(async (c) => {
        try {
          return await c.writer.prepareCommit(id);
        } catch (err) {
          if (isCdcError(err)) throw err;
          throw new SinkError(`sink failed to flush for checkpoint #${id}: ${describeError(err)}`, { cause: err, retryable: true });
        }
      }),
    );
    const committables = prepared.filter((x): x is JsonValue => x !== undefined);
    const op = this.schemaOp.snapshot();
    this.store.save({
      format: 1,
      pipeline: this.p.settings.name,
      checkpointId: id,
      time: new Date().toISOString(),
      sourceType: this.p.def.source.type,
      sinkType: this.p.def.sink.type,
      sourceState: this.sourceState,
      schemas: { ...op, raw: this.p.transformer?.snapshot() ?? {} },
      committables,
    });
    this.checkpointId = id;
    if (this.committer && committables.length) await this.committer.commit(committables, id);
    await this.reader?.notifyCheckpointComplete?.(id, this.sourceState);
    this.checkpointsDone++;
    this.dirty = false;
    this.metrics.checkpointDone(id, Date.now() - started);
    this.logger.debug(`checkpoint #${id} done (${reason}) in ${Date.now() - started} ms`);
    this.opts.onCheckpoint?.(id);
  }

  private async closeAll(cause?: unknown): Promise<void> {
    const quietly = async (what: string, f: (() => Promise<void> | void) | undefined) => {
      if (!f) return;
      try {
        await f();
      } catch (e) {
        if (cause === undefined) throw e;
        this.logger.warn(`closing ${what} after a failure also failed: ${describeError(e)}`);
      }
    };
    await quietly('source reader', this.reader && (() => this.reader!.close()));
    for (const c of this.channels) await quietly('sink writer', () => c.writer.close());
    await quietly('committer', this.committer?.close && (() => this.committer!.close!()));
    await quietly('metadata applier', this.applier?.close && (() => this.applier.close!()));
    await quietly('sink', this.sink?.close && (() => this.sink.close!()));
    await quietly('user-defined functions', () => closeUdfs(this.p.udfs));
  }
}

export async function runPipeline(p: PreparedPipeline, opts: RunOptions = {}): Promise<RunResult> {
  return new PipelineRun(p, opts).run();
}
