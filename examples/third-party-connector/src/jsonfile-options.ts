import type { OptionSpec } from '@cdc/core';

/** Options of the jsonfile sink, validated by cdc before the sink is created. */
export const JSONFILE_OPTIONS: readonly OptionSpec[] = [
  { key: 'path', type: 'string', required: true, description: 'Directory of the table files (created if missing), relative to the working directory' },
  { key: 'pretty', type: 'boolean', default: false, description: 'Indent the JSON files (easier to read, larger)' },
];
