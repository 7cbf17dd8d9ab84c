/** The Doris DataSink: applier (FE query port), buffered writers (stream load), committer (2PC). */
import type { ConnectionCheck, DataSink, FactoryContext, Logger, MetadataApplier, SinkWriter, SinkWriterContext, Committer } from '@cdc/core';
import { BufferedWriter } from './stream-load/buffered-writer.js';
import { DorisMetadataApplier } from './doris-applier.js';
import { DorisCommitter } from './doris-committer.js';
import { DorisHttp } from './doris-http.js';
import { DorisLoader } from './doris-loader.js';
import { CONNECTOR, readDorisConfig, type DorisConfig } from './doris-options.js';

export class DorisDataSink implements DataSink {
  readonly cfg: DorisConfig;
  readonly http: DorisHttp;
  private readonly logger: Logger;
  private readonly zone: string;
  private restoredCheckpoint = 0;
  private applier: DorisMetadataApplier | undefined;

  constructor(ctx: FactoryContext) {
    this.cfg = readDorisConfig(ctx.options, ctx.pipeline.name.replace(/[^-_A-Za-z0-9]/g, '_'));
    this.http = new DorisHttp(this.cfg);
    this.logger = ctx.logger;
    this.zone = ctx.pipeline.localTimeZone;
    if (this.cfg.enable2pc) {
      this.createCommitter = () =>
        new DorisCommitter(this.http, this.logger, (id) => {
          this.restoredCheckpoint = id;
        });
    }
  }

  metadataApplier(): MetadataApplier {
    this.applier ??= new DorisMetadataApplier(this.cfg, this.http, this.logger);
    return this.applier;
  }

  createWriter(ctx: SinkWriterContext): SinkWriter {
    const loader = new DorisLoader(this.cfg, this.http, ctx.subtask, this.restoredCheckpoint, ctx.logger, ctx.signal);
    const cfg = this.cfg;
    return new BufferedWriter(
      {
        connector: CONNECTOR,
        maxRows: cfg.maxRows,
        maxBytes: cfg.maxBytes,
        flushIntervalMs: cfg.flushIntervalMs,
        queueSize: cfg.queueSize,
        ignoreUpdateBefore: cfg.ignoreUpdateBefore,
        zone: this.zone,
        logger: ctx.logger,
        rowOps: (t) => (t.keyed && cfg.enableDelete ? { upsert: '"__DORIS_DELETE_SIGN__":0', delete: '"__DORIS_DELETE_SIGN__":1' } : { upsert: undefined, delete: undefined }),
      },
      loader,
    );
  }

  /** Only with sink.enable-2pc: loads are pre-committed and committed after the checkpoint. */
  readonly createCommitter?: () => Committer;

  async check(signal: AbortSignal): Promise<ConnectionCheck> {
    void signal;
    const v = await (this.metadataApplier() as DorisMetadataApplier).serverVersion();
    const problems: string[] = [];
    await this.http.loadUrl('information_schema', 'tables').catch((e: Error) => problems.push(`stream load endpoint: ${e.message}`));
    return { system: 'Doris', version: `${v.major}.${v.minor}`, problems };
  }

  async close(): Promise<void> {
    await this.applier?.close();
  }
}
