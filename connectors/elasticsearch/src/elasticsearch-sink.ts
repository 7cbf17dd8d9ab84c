/** The elasticsearch DataSink: one HTTP client for the applier and each writer, and the connection check. */
import { ConnectError, type ConnectionCheck, type DataSink, type Logger, type MetadataApplier, type SinkWriter, type SinkWriterContext } from '@cdc/core';
import { ElasticsearchMetadataApplier } from './elasticsearch-applier.js';
import { EsHttp, httpError } from './elasticsearch-http.js';
import { CONNECTOR, type EsSinkConfig } from './elasticsearch-options.js';
import { ElasticsearchWriter } from './elasticsearch-writer.js';

export class ElasticsearchDataSink implements DataSink {
  private readonly http: EsHttp;
  private applier: ElasticsearchMetadataApplier | undefined;

  constructor(
    readonly config: EsSinkConfig,
    private readonly logger: Logger,
  ) {
    this.http = this.newHttp();
  }

  private newHttp(): EsHttp {
    return new EsHttp(this.config.hosts, { username: this.config.username, password: this.config.password }, this.config.inflightRequestsMax + 2);
  }

  metadataApplier(): MetadataApplier {
    return (this.applier ??= new ElasticsearchMetadataApplier(this.config, this.http));
  }

  createWriter(ctx: SinkWriterContext): SinkWriter {
    const http = this.newHttp();
    return new ElasticsearchWriter(this.config, http, ctx.logger, () => http.close());
  }

  /** GET /: the cluster answers, the credentials work, and its major version is the `version` option. */
  async check(signal: AbortSignal): Promise<ConnectionCheck> {
    const res = await this.http.request({ method: 'GET', path: '/', signal, timeoutMs: 30_000 });
    if (res.status < 200 || res.status >= 300) throw httpError(res, 'GET /');
    let number: string;
    try {
      number = String((JSON.parse(res.body) as { version: { number: string } }).version.number);
    } catch {
      throw new ConnectError(`GET / did not answer like Elasticsearch: ${res.body.slice(0, 200)}`, { connector: CONNECTOR, hint: 'check the hosts option' });
    }
    const problems: string[] = [];
    const major = Number(number.split('.')[0]);
    if (major !== this.config.version) {
      problems.push(`the cluster runs Elasticsearch ${number} but the sink is configured with version: ${this.config.version} — set version: ${major}`);
    }
    return { system: 'Elasticsearch', version: number, problems };
  }

  async close(): Promise<void> {
    this.http.close();
  }
}
