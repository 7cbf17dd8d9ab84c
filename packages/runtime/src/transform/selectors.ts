import { compileTableSelector, ConfigError, type TableSelector } from '@cdc/core';

export type { TableSelector } from '@cdc/core';

/** A transform rule's `source-table`: Flink CDC's selector syntax, matched case-insensitively as Flink's transform does. */
export function tableSelector(text: string): TableSelector {
  if (!text || !text.trim()) throw new ConfigError('a transform rule needs a source-table', { hint: 'e.g. source-table: mydb.orders or mydb.\\.*' });
  return compileTableSelector(text, { where: `source-table "${text}"`, caseInsensitive: true });
}
