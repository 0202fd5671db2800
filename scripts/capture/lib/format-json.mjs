// JSON layout for vector files: arrays of primitives (byte rows, name-value pairs) and short
// objects stay on one line, everything else gets one member per line. Keeps `bytes` rows and
// records readable in review diffs.

const WIDTH = 120;

/** One-line JSON with a space after each comma and colon. */
function inline(value) {
  if (Array.isArray(value)) return `[${value.map(inline).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${JSON.stringify(k)}: ${inline(v)}`)
      .join(', ')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const isPrimitive = (v) => v === null || typeof v !== 'object';

/** Serialises `value` as JSON laid out for reading. */
export function formatJson(value, indent = '') {
  if (isPrimitive(value)) return inline(value);
  const flat = inline(value);
  if (indent.length + flat.length <= WIDTH || (Array.isArray(value) && value.every(isPrimitive))) return flat;
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => inner + formatJson(v, inner)).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${formatJson(v, inner)}`).join(',\n')}\n${indent}}`;
}
