import { timingSafeEqual } from 'node:crypto';

/**
 * Whether `given` holds exactly the bytes of `expected`, in time that depends only on
 * `expected`'s length, so how long a check takes says nothing about how close a forgery came.
 * The one place Vessel compares a value derived from a secret (cookie signatures); a test
 * keeps every such comparison here. A `given` of another length (only malformed input) still
 * costs a full comparison.
 */
export function constantTimeEqual(expected: Buffer, given: Buffer): boolean {
  if (expected.length !== given.length) {
    timingSafeEqual(expected, expected);
    return false;
  }
  return timingSafeEqual(expected, given);
}
