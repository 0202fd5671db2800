/**
 * JSON text for people: like `JSON.stringify(value, null, 2)`, except that an array or object
 * whose members are all strings, numbers, booleans or nulls stays on one line. A name/value pair
 * then reads `["REQUEST_METHOD", "GET"]` and a record header `{ "type": 1, … }` instead of taking
 * four or seven lines, which keeps a request's ~30 params and a long record list scannable. The
 * result parses back to the same value.
 */
export function formatJson(value: unknown): string {
  return format(value, '');
}

const INDENT = '  ';

function isScalar(v: unknown): boolean {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function format(value: unknown, indent: string): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  const inner = indent + INDENT;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    if (value.every(isScalar)) return `[${value.map((v) => JSON.stringify(v)).join(', ')}]`;
    return `[\n${value.map((v) => inner + format(v, inner)).join(',\n')}\n${indent}]`;
  }
  // Like JSON.stringify: members whose value is undefined (or a function) are left out.
  const members = Object.entries(value).filter(([, v]) => v !== undefined && typeof v !== 'function');
  if (members.length === 0) return '{}';
  if (members.every(([, v]) => isScalar(v))) return `{ ${members.map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`).join(', ')} }`;
  return `{\n${members.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${format(v, inner)}`).join(',\n')}\n${indent}}`;
}
