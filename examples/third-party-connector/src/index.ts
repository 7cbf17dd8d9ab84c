// What cdc imports: the package.json `cdc` field names the identifier, this module exports the factory.
import { jsonFileSink } from './jsonfile-sink.js';

export { jsonFileSink };
export { readRows } from './table-file.js';
export const factories = [jsonFileSink];
