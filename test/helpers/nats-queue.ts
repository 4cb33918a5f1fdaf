import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { NatsQueue } from '../../src/messaging/nats-queue.ts';
import { testCipher } from './payload-keys.ts';

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
