import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * A throwaway self-signed EC P-256 certificate made with Debian's openssl in `dir`: `<name>.pem` and `<name>.key`.
 * For the tests and the bench that need a certificate on disk (TLS on the gateway, a system bound to a client
 * certificate); never a certificate of the platform's own.
 */
export function selfSignedCertificate(
  dir: string,
  name: string,
  options: { subject: string; days?: number; subjectAltName?: string },
): { certFile: string; keyFile: string } {
  const certFile = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}.key`);
  execFileSync(
    '/usr/bin/openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      keyFile,
      '-out',
      certFile,
      '-days',
      String(options.days ?? 30),
      '-subj',
      options.subject,
      ...(options.subjectAltName ? ['-addext', `subjectAltName=${options.subjectAltName}`] : []),
    ],
    { stdio: 'pipe' },
  );
  return { certFile, keyFile };
}
