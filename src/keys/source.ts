import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Config } from '../core/config.ts';
import { KEK_BYTES, type KeyEncryptionKey, KeyError, keyEncryptionKey } from './kek.ts';

/**
 * Where the key-encryption key comes from (docs/configuration.md "keys"), first found wins:
 *  1. `keys.encryptionKey` (LGSP_KEY_ENCRYPTION_KEY): base64 of 32 bytes, for orchestrators that inject secrets;
 *  2. `keys.kmsCommand`: a command whose standard output is that base64 — the hook for a KMS or an HSM (e.g.
 *     `vault kv get -field=kek secret/lgsp`, `aws kms decrypt …`), run once at start;
 *  3. the key file `keys.encryptionKeyFile`, by default `<dataDir>.kek`: beside the data directory, never inside
 *     it, so a copy of the data directory or a backup never carries it. Owner-only (0600) or refused.
 * When nothing is configured and the key file does not exist, the first start generates it (README's
 * `npm install && npm start` keeps working) — but only while the store holds no sealed secret yet: a missing key
 * for a store that has them is an error, never a fresh key that would silently orphan them.
 */
export type KeysConfig = Pick<Config, 'dataDir' | 'keys'>;

export interface LoadedKek {
  kek: KeyEncryptionKey;
  /** What supplied it, for messages: `LGSP_KEY_ENCRYPTION_KEY`, `keys.kmsCommand`, or the file's path. */
  source: string;
  /** The path of a key file generated just now, else null: the caller tells the operator once. */
  generatedFile: string | null;
}

/** The key file's path: the configured one, else `<resolved dataDir>.kek`, a sibling of the data directory. */
export function keyFilePath(config: KeysConfig): string {
  if (config.keys.encryptionKeyFile) return resolve(config.keys.encryptionKeyFile);
  return `${resolve(config.dataDir).replace(/[/\\]+$/, '')}.kek`;
}

function decodeKey(text: string, from: string): KeyEncryptionKey {
  const trimmed = text.trim();
  const bytes = Buffer.from(trimmed, 'base64');
  // Strict: the text must be exactly the base64 of 32 bytes (Buffer.from ignores stray characters).
  if (bytes.length !== KEK_BYTES || bytes.toString('base64') !== trimmed) {
    throw new KeyError(
      'KEK_INVALID',
      `${from}: khoá mã hoá khoá phải là base64 của đúng ${KEK_BYTES} byte (tạo bằng: openssl rand -base64 32) / ` +
        `${from}: the key-encryption key must be the base64 of exactly ${KEK_BYTES} bytes (make one with: openssl rand -base64 32)`,
    );
  }
  return keyEncryptionKey(bytes);
}

function fromCommand(command: string): KeyEncryptionKey {
  let out: string;
  try {
    out = execFileSync('/bin/sh', ['-c', command], {
      encoding: 'utf8',
      timeout: 30_000,
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 * 1024,
    });
  } catch (err) {
    // Its stderr is said; its stdout never (it may hold part of the key).
    const stderr = String((err as { stderr?: unknown }).stderr ?? '')
      .trim()
      .slice(0, 500);
    throw new KeyError(
      'KEK_MISSING',
      `keys.kmsCommand thất bại / failed: ${(err as Error).message.split('\n')[0]}${stderr ? ` — ${stderr}` : ''}`,
    );
  }
  return decodeKey(out, 'keys.kmsCommand');
}

function fromFile(path: string): KeyEncryptionKey {
  const stat = statSync(path);
  // POSIX modes only: elsewhere the file's ACL is the operator's to set.
  if (process.platform !== 'win32' && (stat.mode & 0o077) !== 0) {
    throw new KeyError(
      'KEK_INVALID',
      `${path}: tệp khoá phải chỉ chủ sở hữu đọc được (chmod 600), đang là ${(stat.mode & 0o777).toString(8)} / ` +
        `the key file must be readable by its owner only (chmod 600), it is ${(stat.mode & 0o777).toString(8)}`,
    );
  }
  return decodeKey(readFileSync(path, 'utf8'), path);
}

/**
 * Loads the KEK as configured. `mayGenerate`: the store holds no sealed secret yet, so a missing key file may be
 * created (0600, beside the data directory).
 */
export function loadKeyEncryptionKey(config: KeysConfig, options: { mayGenerate: boolean }): LoadedKek {
  if (config.keys.encryptionKey) {
    return {
      kek: decodeKey(config.keys.encryptionKey, 'LGSP_KEY_ENCRYPTION_KEY'),
      source: 'LGSP_KEY_ENCRYPTION_KEY',
      generatedFile: null,
    };
  }
  if (config.keys.kmsCommand) {
    return { kek: fromCommand(config.keys.kmsCommand), source: 'keys.kmsCommand', generatedFile: null };
  }
  const path = keyFilePath(config);
  try {
    return { kek: fromFile(path), source: path, generatedFile: null };
  } catch (err) {
    if ((err as { code?: string }).code !== 'ENOENT') throw err;
  }
  if (!options.mayGenerate) {
    throw new KeyError(
      'KEK_MISSING',
      `không có khoá mã hoá khoá (KEK) mà kho dữ liệu đã có bí mật được niêm phong: đặt lại tệp ${path}, hoặc LGSP_KEY_ENCRYPTION_KEY, hoặc keys.kmsCommand / ` +
        `no key-encryption key (KEK), and the store already holds sealed secrets: put back the key file ${path}, or set LGSP_KEY_ENCRYPTION_KEY or keys.kmsCommand`,
    );
  }
  mkdirSync(dirname(path), { recursive: true });
  try {
    // 'wx': two processes starting at once never overwrite each other's key; the loser reads the winner's.
    writeFileSync(path, `${randomBytes(KEK_BYTES).toString('base64')}\n`, { flag: 'wx', mode: 0o600 });
  } catch (err) {
    if ((err as { code?: string }).code !== 'EEXIST') throw err;
    return { kek: fromFile(path), source: path, generatedFile: null };
  }
  return { kek: fromFile(path), source: path, generatedFile: path };
}
