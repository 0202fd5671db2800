/**
 * Typed errors shared by every gw package.
 *
 * Every failure carries a stable `code` (documented in docs/errors.md); callers and tests match on
 * `code`, never on `message`. `instanceof` works across duplicate copies of this package (two
 * versions in one node_modules tree) because it checks a `Symbol.for` brand instead of the
 * prototype chain, as undici does.
 */

const kBrand = Symbol.for('@gw/core.GatewayError');

/** Extra protocol data attached to an error. */
export interface GatewayErrorDetails {
  /** Byte offset in the decoded stream (from the first byte pushed) at which the problem was found. */
  offset?: number;
  /** FastCGI request id the error belongs to, when there is one. */
  requestId?: number;
  /** Name of the limit that was exceeded (LimitError only). */
  limit?: string;
  /** The limit's configured value (LimitError only). */
  limitValue?: number;
  /** The underlying error, if any. */
  cause?: unknown;
}

/** Base class of every error a gw package throws or reports. */
export class GatewayError extends Error {
  /** Stable machine-readable code such as `FCGI_ERR_UNSUPPORTED_VERSION`. */
  readonly code: string;
  /** Byte offset in the decoded stream, or undefined when not applicable. */
  readonly offset: number | undefined;
  /** FastCGI request id, or undefined. */
  readonly requestId: number | undefined;

  constructor(code: string, message: string, details: GatewayErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.code = code;
    this.offset = details.offset;
    this.requestId = details.requestId;
    Object.defineProperty(this, kBrand, { value: new.target.name, enumerable: false });
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasBrand(value, this);
  }
}

/** The peer sent bytes that break the protocol. The stream or connection cannot continue. */
export class ProtocolError extends GatewayError {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasBrand(value, this);
  }
}

/** The peer sent something larger or more numerous than a configured limit allows. */
export class LimitError extends GatewayError {
  /** Name of the option that set the limit, e.g. `maxParamsBytes`. */
  readonly limit: string;
  /** The configured value of that limit. */
  readonly limitValue: number;

  constructor(code: string, message: string, details: GatewayErrorDetails & { limit: string; limitValue: number }) {
    super(code, message, details);
    this.limit = details.limit;
    this.limitValue = details.limitValue;
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasBrand(value, this);
  }
}

/** The caller passed an argument or option that cannot be used (a programming error, not bad input). */
export class InvalidArgumentError extends GatewayError {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasBrand(value, this);
  }
}

// The brand holds the concrete class name; a subclass check walks the names of the class's
// ancestors so that `new LimitError(...) instanceof GatewayError` is true across package copies.
const familyOf: Record<string, readonly string[]> = {
  GatewayError: ['GatewayError'],
  ProtocolError: ['ProtocolError', 'GatewayError'],
  LimitError: ['LimitError', 'GatewayError'],
  InvalidArgumentError: ['InvalidArgumentError', 'GatewayError'],
};

function hasBrand(value: unknown, cls: { name: string; prototype: object }): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const brand = (value as Record<symbol, unknown>)[kBrand];
  if (typeof brand !== 'string') return Object.prototype.isPrototypeOf.call(cls.prototype, value);
  const family = familyOf[brand] ?? [brand, 'GatewayError'];
  return family.includes(cls.name);
}

/** True when `value` is a gw error with the given code. */
export function isGatewayError(value: unknown, code?: string): value is GatewayError {
  return value instanceof GatewayError && (code === undefined || value.code === code);
}
