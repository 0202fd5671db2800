/** One FastCGI record as read by {@link readFcgiRecords}: header fields and a view of the content. */
export interface ReadRecord {
  type: number;
  requestId: number;
  content: Buffer;
  padding: number;
}

/**
 * Splits bytes into FastCGI records by reading the 8-byte headers by hand (spec §3.3). Shares no
 * code with the package under test, so a test can check an encoder against it.
 *
 * @throws Error when the bytes do not end on a record boundary
 */
export function readFcgiRecords(bytes: Buffer): ReadRecord[] {
  const records: ReadRecord[] = [];
  let at = 0;
  while (at + 8 <= bytes.length) {
    const length = bytes.readUInt16BE(at + 4);
    const padding = bytes[at + 6] as number;
    records.push({ type: bytes[at + 1] as number, requestId: bytes.readUInt16BE(at + 2), content: bytes.subarray(at + 8, at + 8 + length), padding });
    at += 8 + length + padding;
  }
  if (at !== bytes.length) throw new Error(`records end at byte ${at}, the bytes at ${bytes.length}`);
  return records;
}
