import { compileTableSelector, type TableSelector } from '@cdc/core';

export type { TableSelector } from '@cdc/core';

/** Route selectors: Flink CDC's table selector syntax (see @cdc/core table-selector.ts), case-sensitive. */
export function compileSelectors(text: string, where: string): TableSelector {
  return compileTableSelector(text, { where });
}
