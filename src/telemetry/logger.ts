import { type Logger, pino } from 'pino';

export type { Logger };

/**
 * JSON logs on stderr, with secrets redacted at the source: authorization headers, passwords, consumer
 * secrets and tokens never reach a log line, whoever logs the object. Stderr, because stdout carries the command's
 * own output for people and scripts (`lgsp demo --json` promises its first stdout line is the JSON object).
 */
export function createLogger(level: string, name = 'lgsp'): Logger {
  return pino(
    {
      name,
      level,
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
    pino.destination(2),
  );
}

/** A logger that writes nothing, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
