/** The StarRocks DataSink: applier (FE query port), buffered writers (stream load), committer (exactly-once). */
import type { Committer, ConnectionCheck, DataSink, FactoryContext, Logger, MetadataApplier, SinkWriter, SinkWriterContext } from '@cdc/core';
import { BufferedWriter } from '@cdc/connector-doris/stream-load';
import { StarRocksMetadataApplier } from './starrocks-applier.js';
import { StarRocksCommitter } from './starrocks-committer.js';
import { StarRocksHttp } from './starrocks-http.js';
import { StarRocksLoader } from './starrocks-loader.js';
import { CONNECTOR, readStarRocksConfig, type StarRocksConfig } from './starrocks-options.js';

export class StarRocksDataSink implements DataSink {
  readonly cfg: StarRocksConfig;
  readonly http: StarRocksHttp;
  private readonly logger: Logger;
  private readonly zone: string;
  private restoredCheckpoint = 0;
  private applier: StarRocksMetadataApplier | undefined;
  /** Only with sink.semantic exactly-once. */
  readonly createCommitter?: () => Committer;

  constructor(ctx: FactoryContext) {
    this.cfg = readStarRocksConfig(ctx.options, ctx.pipeline.name.replace(/[^-_A-Za-z0-9]/g, '_'));
    this.http = new StarRocksHttp(this.cfg);
    this.logger = ctx.logger;
    this.zone = ctx.pipeline.localTimeZone;
    if (this.cfg.exactlyOnce) {
      this.createCommitter = () =>
        new StarRocksCommitter(this.http, this.logger, (id) => {
          this.restoredCheckpoint = id;
        });
    }
  }

  metadataApplier(): MetadataApplier {
    this.applier ??= new StarRocksMetadataApplier(this.cfg, this.logger);
    return this.applier;
  }

  createWriter(ctx: SinkWriterContext): SinkWriter {
    const cfg = this.cfg;
    // sink.buffer-flush.max-bytes bounds all tables together in StarRocks' connector: a table flushes at its share.
    return new BufferedWriter(
      {
        connector: CONNECTOR,
        maxRows: Number.MAX_SAFE_INTEGER,
        maxBytes: Math.max(64 * 1024, Math.floor(cfg.maxBytes / (cfg.ioThreads + 1))),
        flushIntervalMs: cfg.flushIntervalMs,
        queueSize: cfg.ioThreads,
        ignoreUpdateBefore: true,
        zone: this.zone,
        logger: ctx.logger,
        framing: 'array',
        rowOps: () => ({ upsert: '"__op":0', delete: '"__op":1' }),
      },
      new StarRocksLoader(cfg, this.http, ctx.subtask, this.restoredCheckpoint, ctx.logger, ctx.signal, (db, table) => (this.metadataApplier() as StarRocksMetadataApplier).columnsOf(db, table)),
    );
  }

  async check(_signal: AbortSignal): Promise<ConnectionCheck> {
    const version = await (this.metadataApplier() as StarRocksMetadataApplier).serverVersion();
    const problems: string[] = [];
    if (this.cfg.exactlyOnce && !(await this.http.hasTransactionApi())) problems.push('sink.semantic exactly-once needs the transaction stream load API (StarRocks 2.4+)');
    return { system: 'StarRocks', version, problems };
  }

  async close(): Promise<void> {
    await this.applier?.close();
  }
}
