import { randomBytes } from 'node:crypto';

/** The machine's Redis for the suites that share counters across nodes (issue 13 item 3); CI sets it. */
export const testRedisUrl = process.env['LGSP_TEST_REDIS_URL'] ?? '';

/** A key prefix of its own per test, so suites running in parallel on one Redis never count each other's calls. */
export function testRedisPrefix(): string {
  return `lgsp-test-${randomBytes(6).toString('hex')}:`;
}
