import { describe, expect, it } from 'vitest';
import { GatewayError, InvalidArgumentError, isGatewayError, LimitError, ProtocolError } from '../src/errors.js';
import { resolveLimits } from '../src/limits.js';

describe('errors', () => {
  it('carries code, offset and request id', () => {
    const err = new ProtocolError('FCGI_ERR_X', 'bad', { offset: 7, requestId: 3 });
    expect(err.code).toBe('FCGI_ERR_X');
    expect(err.offset).toBe(7);
    expect(err.requestId).toBe(3);
    expect(err.name).toBe('ProtocolError');
    expect(err).toBeInstanceOf(Error);
    expect(err instanceof GatewayError).toBe(true);
    expect(err instanceof ProtocolError).toBe(true);
    expect(err instanceof LimitError).toBe(false);
    expect(isGatewayError(err, 'FCGI_ERR_X')).toBe(true);
    expect(isGatewayError(new Error('x'))).toBe(false);
  });

  it('recognises errors made by another copy of the package by brand', () => {
    const foreign = Object.assign(new Error('x'), { [Symbol.for('@gw/core.GatewayError')]: 'LimitError', code: 'C' });
    expect(foreign instanceof LimitError).toBe(true);
    expect(foreign instanceof GatewayError).toBe(true);
    expect(foreign instanceof ProtocolError).toBe(false);
  });

  it('records the limit on a LimitError', () => {
    const err = new LimitError('GW_ERR_L', 'too big', { limit: 'maxX', limitValue: 10, offset: 1 });
    expect(err.limit).toBe('maxX');
    expect(err.limitValue).toBe(10);
  });
});

describe('resolveLimits', () => {
  const specs = { maxA: { default: 10, min: 1, max: 100 }, maxB: { default: 5, min: 0, max: Number.POSITIVE_INFINITY } };

  it('applies defaults and accepts values in range', () => {
    expect(resolveLimits(specs, undefined, 'T')).toEqual({ maxA: 10, maxB: 5 });
    expect(resolveLimits(specs, { maxA: 100, maxB: Number.POSITIVE_INFINITY }, 'T')).toEqual({ maxA: 100, maxB: Number.POSITIVE_INFINITY });
  });

  it.each([0, 101, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('rejects maxA=%s', (v) => {
    expect(() => resolveLimits(specs, { maxA: v }, 'T')).toThrow(InvalidArgumentError);
    try {
      resolveLimits(specs, { maxA: v }, 'T');
    } catch (e) {
      expect((e as GatewayError).code).toBe('GW_ERR_INVALID_OPTION');
    }
  });
});
