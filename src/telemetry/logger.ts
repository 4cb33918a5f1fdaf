import process from 'node:process';
import { type Logger, pino } from 'pino';
import type { Config } from '../core/config.ts';
import { formatVietnamDateTimeSeconds } from '../core/time.ts';

export type { Logger };

/** What the logger writes: `json` for machines, `text` for a person at a terminal (`logFormat` resolved). */
export type LogFormat = 'json' | 'text';

/** The settings a logger is made from: the platform's configuration, or the part of it a caller has. */
export type LogSettings = Pick<Config, 'logLevel' | 'logFormat' | 'timezoneOffsetMinutes'>;

/** Where log lines go: fd 2 by default. */
export interface LogOutput {
  write(text: string): unknown;
}

export interface LoggerOptions {
  /** `lgsp` for the platform; a gateway worker or a demo peer says who it is. */
  name?: string;
  /** Instead of fd 2 (tests read the lines here). */
  output?: LogOutput;
  /** The record's time in epoch milliseconds instead of the system clock's (tests: a known instant). */
  nowMs?: () => number;
}

/**
 * `auto` is `text` when stderr is a terminal (a person reads it), else `json` (systemd's journal, CI, tests, log
 * shippers). Resolved once where the platform starts: a gateway worker is handed the primary's answer rather than
 * asking its own stderr again.
 */
export function resolveLogFormat(
  format: Config['logFormat'],
  stderr: { isTTY?: boolean } = process.stderr,
): LogFormat {
  if (format !== 'auto') return format;
  return stderr.isTTY === true ? 'text' : 'json';
}

/**
 * Logs on stderr, with secrets redacted at the source: authorization headers, passwords, consumer secrets and
 * tokens never reach a log line, whoever logs the object. Stderr, because stdout carries the command's own output
 * for people and scripts (`lgsp demo --json` promises its first stdout line is the JSON object).
 *
 * `json` is pino's own line, byte for byte as it always was. `text` is the same line, already redacted by pino,
 * rewritten by a destination in this process (no transport thread, no extra package) into what a person reads:
 * Vietnam time, the level in Vietnamese and English, the message, then the other fields.
 */
export function createLogger(settings: LogSettings, options: LoggerOptions = {}): Logger {
  const format = resolveLogFormat(settings.logFormat);
  const levelValue = pino.levels.values[settings.logLevel] ?? Number.POSITIVE_INFINITY;
  const destination =
    format === 'json'
      ? (options.output ?? pino.destination(2))
      : new TextLogDestination(
          // Synchronous: a formatted line is written before the next one is made, and none is lost at exit.
          options.output ?? pino.destination({ dest: 2, sync: true }),
          settings.timezoneOffsetMinutes,
          // Stacks at debug and trace, where someone is looking for them; otherwise for errors only.
          levelValue <= pino.levels.values['debug']!,
        );
  const nowMs = options.nowMs;
  return pino(
    {
      name: options.name ?? 'lgsp',
      level: settings.logLevel,
      // Given only by tests; pino's own epoch-time field otherwise, so JSON lines do not change.
      ...(nowMs ? { timestamp: () => `,"time":${nowMs()}` } : {}),
      redact: {
        paths: [
          'req.headers.authorization',
          'headers.authorization',
          // Form 1 of this header carries a consumer secret (issue 12 item 8, src/gateway/client-conventions.ts).
          'req.headers.lgspaccesstoken',
          'headers.lgspaccesstoken',
          '*.password',
          'password',
          '*.consumerSecret',
          'consumerSecret',
          '*.client_secret',
          'client_secret',
          '*.token',
          'token',
          '*.access_token',
          'access_token',
          '*.privateJwk',
          // The key-encryption key and the secrets it opens (issue 10 item 4), should one ever reach a log line.
          '*.encryptionKey',
          '*.secret',
        ],
        censor: '[đã ẩn/redacted]',
      },
    },
    destination,
  );
}

/** A logger that writes nothing, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

/** pino's level numbers, in words a person reads: Vietnamese first, English beside. */
const LEVEL_WORDS: Record<number, string> = {
  10: 'VẾT/TRACE',
  20: 'GỠ LỖI/DEBUG',
  30: 'THÔNG TIN/INFO',
  40: 'CẢNH BÁO/WARN',
  50: 'LỖI/ERROR',
  60: 'NGHIÊM TRỌNG/FATAL',
};
const LEVEL_WIDTH = Math.max(...Object.values(LEVEL_WORDS).map((w) => w.length));
const ERROR_LEVEL = 50;

/** Fields every line has, said by the line's shape or of no use to a person at the terminal. */
const NOT_SHOWN = new Set(['time', 'level', 'msg', 'pid', 'hostname', 'v']);

/** A pino destination that turns each JSON line pino wrote (redaction already applied) into a text line. */
class TextLogDestination {
  constructor(
    private readonly output: LogOutput,
    private readonly offsetMinutes: number,
    private readonly stacksAtEveryLevel: boolean,
  ) {}

  write(line: string): void {
    this.output.write(formatLogLine(line, this.offsetMinutes, this.stacksAtEveryLevel));
  }
}

/**
 * `06/12/2026 17:02:17 CẢNH BÁO/WARN       message key=value …`, then an error's stack on indented lines (for
 * errors and worse, or at every level when `stacksAtEveryLevel`). Strings with spaces, quotes or `=` are quoted as
 * JSON so a line still reads as `key=value` pairs; other values are compact JSON. A line that is not JSON is passed
 * on as it came.
 */
function formatLogLine(line: string, offsetMinutes: number, stacksAtEveryLevel = false): string {
  let record: unknown = null;
  try {
    record = JSON.parse(line);
  } catch {
    // not JSON: passed on as it came
  }
  if (!isObject(record)) return line.endsWith('\n') ? line : `${line}\n`;
  const level = typeof record['level'] === 'number' ? record['level'] : 0;
  const when = typeof record['time'] === 'number' ? record['time'] : Date.now();
  const word = (LEVEL_WORDS[level] ?? String(record['level'])).padEnd(LEVEL_WIDTH);
  const msg = typeof record['msg'] === 'string' ? printable(record['msg']) : '';
  let text = `${formatVietnamDateTimeSeconds(when, offsetMinutes)} ${word}  ${msg}`.trimEnd();
  let stack = '';
  for (const [key, value] of Object.entries(record)) {
    if (NOT_SHOWN.has(key) || (key === 'name' && value === 'lgsp')) continue;
    if (key === 'err' && isObject(value)) {
      const err = value;
      text += ` err=${fieldValue(err['message'] ?? '')}`;
      for (const [k, v] of Object.entries(err)) {
        if (k !== 'message' && k !== 'stack' && k !== 'type') text += ` err.${k}=${fieldValue(v)}`;
      }
      if (typeof err['stack'] === 'string' && (level >= ERROR_LEVEL || stacksAtEveryLevel)) {
        // A stack starts with the error's message: escaped there as one piece, a newline in the message stays in
        // its line instead of starting a stack line that reads like a log line of its own.
        const message = typeof err['message'] === 'string' ? err['message'] : '';
        const stackText =
          message === '' ? err['stack'] : err['stack'].replace(message, () => printable(message));
        stack = stackText
          .split('\n')
          .map((l) => `    ${printable(l.trimStart())}\n`)
          .join('');
      }
      continue;
    }
    text += ` ${key}=${fieldValue(value)}`;
  }
  return `${text}\n${stack}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fieldValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=\p{Cc}]+$/u.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

/**
 * A message as one line of plain text: its control characters written as JSON writes them (`\n`, `\u001b`), so that
 * text a caller put into a message can neither start a line that looks like the platform's own nor send a terminal
 * escape sequence to the operator's screen. JSON lines are safe by construction; this keeps text lines as safe.
 */
function printable(text: string): string {
  return text.replace(/\p{Cc}/gu, (c) => JSON.stringify(c).slice(1, -1));
}
