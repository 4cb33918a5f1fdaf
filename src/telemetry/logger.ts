import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs with secrets redacted at the source: authorization headers, passwords, consumer secrets and
 * tokens never reach a log line, whoever logs the object.
 */
export function createLogger(level: string, name = 'lgsp'): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'headers.authorization',
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
      ],
      censor: '[đã ẩn/redacted]',
    },
  });
}

/** A logger that writes nothing, for tests and library use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
