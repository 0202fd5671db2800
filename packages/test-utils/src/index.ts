export { ByteBuilder, fcgiPair, fcgiRecord } from './byte-builder.js';
export { bytewise, chunksOf, everySplit, isolate, splitAt } from './splits.js';
export { RawClient } from './raw-client.js';
export { type ReadRecord, readFcgiRecords } from './record-reader.js';
