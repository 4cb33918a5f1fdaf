import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { NatsQueue } from '../../src/messaging/nats-queue.ts';
import { testCipher } from './payload-keys.ts';
import { freePort } from './platform-process.ts';
import type { TestPlatform } from './test-platform.ts';

/** The NATS server the NATS engine's tests run on; `.ci/run` sets it, otherwise those tests are skipped. */
export const testNatsUrl = process.env['LGSP_TEST_NATS_URL'] ?? '';

/** A queue under a fresh random prefix, so parallel tests never share JetStream resources. */
export async function openNatsTestQueue(): Promise<{
  queue: NatsQueue;
  prefix: string;
  dispose(): Promise<void>;
  scanForBytes(needle: Buffer): Promise<boolean>;
}> {
  const prefix = `lgsptest_${randomBytes(6).toString('hex')}`;
  const queue = await NatsQueue.open(testNatsUrl, testCipher(), { prefix });
  const streams = [`${prefix}_queue`, `KV_${prefix}_messages`, `OBJ_${prefix}_payloads`];
  return {
    queue,
    prefix,
    // The queue may already be closed by the test: remove its streams over a connection of our own.
    dispose: async () => {
      await queue.close();
      await withManager(async (jsm) => {
        for (const s of streams) await jsm.streams.delete(s).catch(() => undefined);
      });
    },
    scanForBytes: (needle) => scanStreams(streams, needle),
  };
}

/**
 * Stops a test's platform, then — when it ran on NATS — removes the JetStream resources under `prefix`, which
 * outlive the platform (its streams are the cluster's, not the process's).
 */
export async function stopPlatformAndQueue(
  started: TestPlatform | null,
  natsUrl: string,
  prefix: string,
): Promise<void> {
  const onNats = started?.platform.messaging.queue instanceof NatsQueue;
  await started?.stop();
  if (onNats) await (await NatsQueue.open(natsUrl, testCipher(), { prefix })).destroy();
}

/**
 * R-02 scan: every message still stored in the given streams (the work queue's messages, KV records, object chunks
 * and object meta records),
 * read one by one with direct gets, searched for `needle` — also across two consecutive messages.
 */
export async function scanStreams(streams: string[], needle: Buffer): Promise<boolean> {
  return withManager(async (jsm) => {
    for (const stream of streams) {
      let seq = 1;
      let tail = Buffer.alloc(0);
      for (;;) {
        const msg = await jsm.direct.getMessage(stream, { next_by_subj: '>', seq });
        if (msg === null) break;
        const data = Buffer.concat([tail, Buffer.from(msg.data)]);
        if (data.includes(needle)) return true;
        tail = data.subarray(Math.max(0, data.length - needle.length + 1));
        seq = msg.seq + 1;
      }
    }
    return false;
  });
}

export async function withManager<T>(
  fn: (jsm: Awaited<ReturnType<typeof jetstreamManager>>) => Promise<T>,
): Promise<T> {
  const nc = await connect({ servers: testNatsUrl });
  try {
    return await fn(await jetstreamManager(nc));
  } finally {
    await nc.close();
  }
}

/** The nats-server binary, for tests that stop and restart a server of their own. */
export const natsServerBinary = existsSync('/usr/sbin/nats-server') ? '/usr/sbin/nats-server' : '';

/**
 * A private `nats-server -js` on its own port and store dir, which a test may stop and start again (never the
 * machine's shared server, which other tests use at the same time).
 */
export class PrivateNatsServer {
  private child: ChildProcess | null = null;
  readonly url: string;

  private constructor(
    readonly port: number,
    readonly storeDir: string,
  ) {
    this.url = `nats://127.0.0.1:${port}`;
  }

  static async start(): Promise<PrivateNatsServer> {
    const server = new PrivateNatsServer(await freePort(), mkdtempSync(join(tmpdir(), 'lgsp-nats-')));
    await server.resume();
    return server;
  }

  /** Starts the server again on the same port and store dir; resolves once it accepts connections. */
  async resume(): Promise<void> {
    const child = spawn(
      natsServerBinary,
      ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir],
      {
        stdio: 'ignore',
      },
    );
    this.child = child;
    for (let i = 0; i < 200; i++) {
      try {
        const nc = await connect({ servers: this.url, reconnect: false });
        await nc.close();
        return;
      } catch {
        await sleep(50);
      }
    }
    child.kill('SIGKILL');
    throw new Error('nats-server did not start');
  }

  /** Stops the server (SIGKILL: as abruptly as a crash; JetStream recovers its file store on the next start). */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.storeDir, { recursive: true, force: true });
  }
}

/**
 * A private NATS cluster: `size` `nats-server -js` processes on their own client and route ports and store dirs,
 * each routed to the others, as a province runs NATS on three machines. Resolves once JetStream answers (its meta
 * leader elected). Servers are named `n1`…`n<size>`, the names JetStream reports as stream leaders and replicas.
 */
export class PrivateNatsCluster {
  private readonly children = new Map<string, ChildProcess>();

  private constructor(
    readonly servers: { name: string; port: number; routePort: number; storeDir: string }[],
  ) {}

  /** The client URLs, as `messaging.natsUrl` takes them: comma-separated. */
  get url(): string {
    return this.servers.map((s) => `nats://127.0.0.1:${s.port}`).join(',');
  }

  static async start(size: number): Promise<PrivateNatsCluster> {
    const servers = [];
    for (let i = 1; i <= size; i++) {
      servers.push({
        name: `n${i}`,
        port: await freePort(),
        routePort: await freePort(),
        storeDir: mkdtempSync(join(tmpdir(), 'lgsp-nats-cluster-')),
      });
    }
    const cluster = new PrivateNatsCluster(servers);
    const routes = servers.map((s) => `nats://127.0.0.1:${s.routePort}`).join(',');
    for (const s of servers) {
      const child = spawn(
        natsServerBinary,
        [
          ...['-a', '127.0.0.1', '-p', String(s.port), '-n', s.name, '-js', '-sd', s.storeDir],
          ...[
            '--cluster_name',
            'lgsp-test',
            '--cluster',
            `nats://127.0.0.1:${s.routePort}`,
            '--routes',
            routes,
          ],
        ],
        { stdio: 'ignore' },
      );
      cluster.children.set(s.name, child);
    }
    const nc = await (async () => {
      for (let i = 0; i < 200; i++) {
        try {
          return await connect({ servers: cluster.url.split(','), reconnect: false });
        } catch {
          await sleep(50);
        }
      }
      await cluster.dispose();
      throw new Error('the NATS cluster did not start');
    })();
    try {
      for (let i = 0; ; i++) {
        // Making the manager asks JetStream for the account: it fails until the meta leader is elected.
        const ready = await jetstreamManager(nc, { timeout: 2000 }).then(
          () => true,
          () => false,
        );
        if (ready) break;
        if (i === 150) throw new Error('JetStream of the NATS cluster did not become ready');
        await sleep(200);
      }
    } catch (err) {
      await cluster.dispose();
      throw err;
    } finally {
      await nc.close();
    }
    return cluster;
  }

  /** Kills one server (SIGKILL, as a machine that dies). */
  async kill(name: string): Promise<void> {
    const child = this.children.get(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
  }

  async dispose(): Promise<void> {
    for (const name of this.children.keys()) await this.kill(name);
    for (const s of this.servers) rmSync(s.storeDir, { recursive: true, force: true });
  }
}
