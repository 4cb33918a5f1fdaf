import { fullFormats } from 'ajv-formats/dist/formats.js';
import { isAcceptedInstant } from './time.ts';

/** RFC 3339's date-time with its offset required, as ajv-formats checks it (month lengths, leap years). */
const rfc3339 = (fullFormats['date-time'] as { validate: (text: string) => boolean }).validate;

/**
 * Whether a text is a date-time the platform takes from outside: RFC 3339 with an offset, and an instant both stores
 * and `Date` hold alike (`isAcceptedInstant`, 1970–9999). The admin API's `date-time` format and a peer's receipt
 * time (messaging/peer-forward.ts) are this one rule. Apart from time.ts, which the console imports too: the console
 * does not need ajv-formats.
 */
export function isAcceptedDateTime(text: string): boolean {
  return rfc3339(text) && isAcceptedInstant(text);
}
