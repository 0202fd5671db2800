import { createHash } from 'node:crypto';

/** Expected stream summary, computed independently of the code under test. */
export function streamOf(bytes: string | Buffer, terminated: boolean): { bytes: number; sha256: string; terminated: boolean } {
  const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
  return { bytes: buf.length, sha256: createHash('sha256').update(buf).digest('hex'), terminated };
}

/** The 8-byte BEGIN_REQUEST body: role (u16 BE), flags, 5 reserved bytes. */
export function beginBody(role: number, flags: number): Buffer {
  return Buffer.from([role >> 8, role & 0xff, flags, 0, 0, 0, 0, 0]);
}

/** The 8-byte END_REQUEST body: appStatus (u32 BE), protocolStatus, 3 reserved bytes. */
export function endBody(appStatus: number, protocolStatus: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(appStatus, 0);
  b[4] = protocolStatus;
  return b;
}
