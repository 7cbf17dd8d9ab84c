/**
 * The catalog of official connectors and the version matrix. The supported external systems come from the
 * Flink CDC pipeline connector overview (3.5) in shared/reference; a connector of ours supports what the
 * Flink CDC connector of the same identifier supports, as far as it is built and tested.
 */

export interface ExternalSystem {
  readonly name: string;
  /**
   * Supported versions as patterns: `8.0.x` (any 8.0), `2.x` (any 2), `5.7` (5.7.*), `10.x`. An empty list means
   * the reference names no version: any server version is accepted.
   */
  readonly versions: readonly string[];
}

export interface ConnectorRelease {
  /** Version of our npm package. */
  readonly version: string;
  /** Range of @cdc/core this release works with (its peerDependency). */
  readonly core: string;
  /** The Flink CDC release whose option names and semantics it follows. */
  readonly flinkCdc: string;
  readonly systems: readonly ExternalSystem[];
}

export type ConnectorStatus = 'available' | 'planned';

export interface CatalogEntry {
  readonly identifier: string;
  readonly packageName: string;
  readonly kind: readonly ('source' | 'sink')[];
  readonly description: string;
  /** available: built and tested in this repository; planned: not yet built. */
  readonly status: ConnectorStatus;
  readonly releases: readonly ConnectorRelease[];
}

const CORE = '^0.1.0';
const FLINK_CDC = '3.5';

const mysqlSystems: ExternalSystem[] = [
  { name: 'MySQL', versions: ['5.6', '5.7', '8.0.x'] },
  { name: 'RDS MySQL', versions: ['5.6', '5.7', '8.0.x'] },
  { name: 'PolarDB MySQL', versions: ['5.6', '5.7', '8.0.x'] },
  { name: 'Aurora MySQL', versions: ['5.6', '5.7', '8.0.x'] },
  { name: 'MariaDB', versions: ['10.x'] },
  { name: 'PolarDB X', versions: ['2.0.1'] },
];

const entry = (
  identifier: string,
  kind: readonly ('source' | 'sink')[],
  description: string,
  systems: ExternalSystem[],
  status: ConnectorStatus = 'planned',
): CatalogEntry => ({
  identifier,
  packageName: `@cdc/connector-${identifier}`,
  kind,
  description,
  status,
  releases: [{ version: '0.1.0', core: CORE, flinkCdc: FLINK_CDC, systems }],
});

export const CATALOG: readonly CatalogEntry[] = [
  entry('values', ['source', 'sink'], 'In-memory source and sink for tests and demos (like Flink CDC values)', [], 'available'),
  entry('mysql', ['source'], 'MySQL / MariaDB snapshot + binlog source', mysqlSystems, 'available'),
  entry('postgres', ['source'], 'PostgreSQL snapshot + pgoutput logical replication source', [{ name: 'PostgreSQL', versions: ['14.x', '15.x', '16.x', '17.x'] }], 'available'),
  entry('kafka', ['sink'], 'Kafka sink (debezium-json / canal-json)', [{ name: 'Kafka', versions: [] }], 'available'),
  entry('elasticsearch', ['sink'], 'Elasticsearch sink (bulk API)', [{ name: 'Elasticsearch', versions: ['6.x', '7.x', '8.x'] }], 'available'),
  entry('doris', ['sink'], 'Apache Doris sink (stream load)', [{ name: 'Apache Doris', versions: ['1.2.x', '2.x', '3.x'] }], 'available'),
  entry('starrocks', ['sink'], 'StarRocks sink (stream load)', [{ name: 'StarRocks', versions: ['2.x', '3.x'] }], 'available'),
  entry('paimon', ['sink'], 'Apache Paimon table sink', [{ name: 'Paimon', versions: ['0.6', '0.7', '0.8', '0.9', '1.0'] }]),
  entry('iceberg', ['sink'], 'Apache Iceberg table sink', [{ name: 'Apache Iceberg', versions: [] }]),
  entry('fluss', ['sink'], 'Fluss sink', [{ name: 'Fluss', versions: [] }]),
  entry('oceanbase', ['sink'], 'OceanBase sink', [{ name: 'OceanBase', versions: ['3.x', '4.x'] }]),
  entry('maxcompute', ['sink'], 'MaxCompute sink', [{ name: 'MaxCompute', versions: [] }]),
];

export function catalogEntry(identifier: string): CatalogEntry | undefined {
  return CATALOG.find((e) => e.identifier === identifier);
}

/** The package to install for an identifier: the official one, or the convention for third parties. */
export function packageForIdentifier(identifier: string): string {
  return catalogEntry(identifier)?.packageName ?? `@cdc/connector-${identifier}`;
}

/**
 * Whether a server version matches a pattern: `8.0.x` matches 8.0.36, `2.x` matches 2.1.7, `5.7` matches 5.7.44,
 * `10.x` matches 10.11.6-MariaDB-0+deb12u1.
 */
export function versionMatches(pattern: string, version: string): boolean {
  const want = pattern.split('.');
  const have = (/^\d+(\.\d+)*/.exec(version.trim())?.[0] ?? '').split('.');
  if (!have[0]) return false;
  for (let i = 0; i < want.length; i++) {
    if (want[i] === 'x' || want[i] === '*') return true;
    if (have[i] !== want[i]) return false;
  }
  return true;
}

/** Whether a server version is in a system's supported list (an empty list accepts any version). */
export function systemSupports(system: ExternalSystem, version: string): boolean {
  return system.versions.length === 0 || system.versions.some((p) => versionMatches(p, version));
}
