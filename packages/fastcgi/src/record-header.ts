import { InvalidArgumentError } from '@gw/core';
import { FCGI_VERSION_1, MAX_REQUEST_ID } from './constants.js';
import { FastCgiErrorCode as Code } from './error-codes.js';

/** Writes an 8-byte record header (spec §3.3) at `at`. Arguments are trusted (checked by callers). */
export function writeHeader(target: Buffer, at: number, type: number, requestId: number, contentLength: number, paddingLength: number): void {
  target[at] = FCGI_VERSION_1;
  target[at + 1] = type;
  target[at + 2] = requestId >> 8;
  target[at + 3] = requestId & 0xff;
  target[at + 4] = contentLength >> 8;
  target[at + 5] = contentLength & 0xff;
  target[at + 6] = paddingLength;
  target[at + 7] = 0;
}

/** Padding that brings `contentLength` up to a multiple of 8 (spec §3.3 recommends alignment). */
export function paddingFor(contentLength: number): number {
  return (8 - (contentLength & 7)) & 7;
}

/** Throws unless `requestId` is a valid id for an application record (1..65535). */
export function checkRequestId(requestId: number): void {
  if (!Number.isInteger(requestId) || requestId < 1 || requestId > MAX_REQUEST_ID) {
    throw new InvalidArgumentError(Code.INVALID_ARGUMENT, `request id must be an integer from 1 to ${MAX_REQUEST_ID}, got ${requestId}`);
  }
}

/** Throws unless `value` is an integer in [0, max]. */
export function checkUint(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 0 || value > max) {
    throw new InvalidArgumentError(Code.INVALID_ARGUMENT, `${name} must be an integer from 0 to ${max}, got ${value}`);
  }
}

