import { readFileSync } from 'node:fs';
import type { Logger } from 'pino';

/**
 * Open files a gateway process wants (issue 14 item 4): 10,000 held client connections, the sockets to providers
 * (up to `gateway.upstreamConnectionsPerOrigin` per provider), the store, NATS and Redis connections, and files.
 * Below it a storm of connections ends in accept() failing with EMFILE while clients wait.
 */
export const GATEWAY_NOFILE_WANTED = 16_384;

export interface FileLimit {
  soft: number;
  hard: number;
}

/** This process's open-files limit from /proc (Linux); null where there is no /proc. */
export function readFileLimit(): FileLimit | null {
  let text: string;
  try {
    text = readFileSync('/proc/self/limits', 'utf8');
  } catch {
    return null;
  }
  const m = /^Max open files\s+(\d+|unlimited)\s+(\d+|unlimited)/m.exec(text);
  if (!m) return null;
  const n = (v: string) => (v === 'unlimited' ? Number.POSITIVE_INFINITY : Number(v));
  return { soft: n(m[1]!), hard: n(m[2]!) };
}

/**
 * Warns, once per process, when the open-files limit is below what a gateway wants. Nothing to raise here: Node
 * raises its soft limit to the hard one itself at start (node.cc, PlatformInit — seen under `prlimit
 * --nofile=1024:4096`: the process runs with 4096), so what counts is the hard limit the service manager gives
 * (systemd LimitNOFILE, docs/scaling.md). The gateway still starts: a warning, never a refusal.
 */
export function checkFileLimit(
  logger: Pick<Logger, 'warn'>,
  wanted = GATEWAY_NOFILE_WANTED,
): FileLimit | null {
  // Once per process: every gateway of a process (tests start many) shares its limit.
  if (checked !== undefined) return checked;
  checked = readFileLimit();
  if (checked !== null && checked.soft < wanted) {
    logger.warn(
      { softLimit: checked.soft, hardLimit: checked.hard, wanted },
      `giới hạn tệp mở (${checked.soft}) thấp hơn ${wanted} cổng cần để giữ 10.000 kết nối: đặt LimitNOFILE=65536 ` +
        `(systemd) hoặc ulimit -n / open-files limit ${checked.soft} is below the ${wanted} the gateway needs to ` +
        'hold 10,000 connections: set LimitNOFILE=65536 (systemd) or ulimit -n (docs/scaling.md)',
    );
  }
  return checked;
}
let checked: FileLimit | null | undefined;
