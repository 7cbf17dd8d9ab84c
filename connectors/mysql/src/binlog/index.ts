export { BinlogDecoder, BinlogChecksumError, readBinlogFile, type BinlogEvent, type EventHeader, type DecoderOptions } from './decoder.js';
export { BinlogStream, type BinlogClientOptions, type ConnectionConfig, type StartPosition, type StreamEvent, type ServerInfo } from './client.js';
export { MysqlGtidSet, MariadbGtidPos } from './gtid.js';
export { EventType, ColumnType } from './constants.js';
export { decodeDecimal, decimalBinarySize } from './decimal.js';
export { jsonBinaryToText, parseJsonDiffs, applyJsonDiffs, type JsonDiff } from './json-binary.js';
export { RowImageDecoder, JsonPartialUpdate, float32ToNumber, type ColumnHint } from './rows.js';
export { parseTableMap, type TableMap } from './table-map.js';
