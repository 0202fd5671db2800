import { sha256 } from './body-pattern.js';
import type { HttpResponse } from './http-client.js';

/**
 * Response header fields left out of the comparison, and why. Everything else — status, body
 * bytes, and every other field with all its values in order — must be identical.
 */
export const IGNORED_HEADERS: Readonly<Record<string, string>> = {
  // Hop-by-hop (RFC 9110 §7.6.1): about one connection, which each hop manages itself. gw's
  // adapters drop them (RFC 3875 §6.3.4: a gateway response describes no client connection).
  connection: 'hop-by-hop: each hop states its own connection handling',
  'keep-alive': 'hop-by-hop: each hop states its own connection handling',
  // Framing: node chunks a body of unknown length; front ends frame what they relay their own way.
  'transfer-encoding': 'framing: chunked (or not) is decided per hop',
  date: 'the time of the response; gw sends none (sendDate is off), front ends add their own',
  server: 'front ends add their own product token (nginx, Apache)',
};

/**
 * Content-Length is compared only when both responses have one: a body whose length node knew
 * (Content-Length) may reach the client chunked through a front end, or the other way round
 * (nginx and Apache buffer a short response and send its length) — framing, not content.
 */
const CONTENT_LENGTH = 'content-length';

/**
 * Fields compared as lists of tokens, not as text: RFC 9110 §5.6.1 allows any whitespace around
 * the commas (and several field lines for one list), and Apache rewrites Vary as `a,b` (its
 * header filter's fixup_vary) — same list, different bytes.
 */
const TOKEN_LISTS = new Set(['vary']);

/** Header fields by lower-case name → values in arrival order, without the ignored ones. */
function fieldsOf(rawHeaders: readonly string[]): Map<string, string[]> {
  const fields = new Map<string, string[]>();
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] as string).toLowerCase();
    if (name in IGNORED_HEADERS) continue;
    const value = rawHeaders[i + 1] as string;
    const values = fields.get(name) ?? [];
    if (TOKEN_LISTS.has(name)) values.push(...value.split(',').map((token) => token.trim().toLowerCase()).filter((token) => token !== ''));
    else values.push(value);
    fields.set(name, values);
  }
  return fields;
}

/**
 * Every difference between the reference response (the app on http.createServer) and the one
 * through a front end and a gw server, as precise one-line messages; [] when they match.
 */
export function responseDifferences(reference: HttpResponse, observed: HttpResponse): string[] {
  const out: string[] = [];
  if (reference.status !== observed.status) out.push(`status: direct ${reference.status}, through gw ${observed.status}`);
  if (!reference.body.equals(observed.body)) out.push(bodyDifference(reference.body, observed.body));
  const want = fieldsOf(reference.rawHeaders);
  const got = fieldsOf(observed.rawHeaders);
  if (!want.has(CONTENT_LENGTH) || !got.has(CONTENT_LENGTH)) {
    want.delete(CONTENT_LENGTH);
    got.delete(CONTENT_LENGTH);
  }
  for (const [name, values] of want) {
    const other = got.get(name);
    if (other === undefined) out.push(`header ${name}: direct ${JSON.stringify(values)}, missing through gw`);
    else if (JSON.stringify(values) !== JSON.stringify(other)) out.push(`header ${name}: direct ${JSON.stringify(values)}, through gw ${JSON.stringify(other)}`);
  }
  for (const [name, values] of got) {
    if (!want.has(name)) out.push(`header ${name}: not sent directly, through gw ${JSON.stringify(values)}`);
  }
  return out;
}

function bodyDifference(want: Buffer, got: Buffer): string {
  let at = 0;
  while (at < want.length && at < got.length && want[at] === got[at]) at++;
  const around = (b: Buffer) => JSON.stringify(b.subarray(Math.max(0, at - 8), at + 24).toString('latin1'));
  return `body: direct ${want.length} bytes (sha256 ${sha256(want).slice(0, 16)}…), through gw ${got.length} bytes (sha256 ${sha256(got).slice(0, 16)}…); first difference at byte ${at}: direct ${around(want)}, through gw ${around(got)}`;
}
