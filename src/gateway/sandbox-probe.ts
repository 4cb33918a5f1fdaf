import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { type ResourceTemplate, SANDBOX_ANSWER_MAX_BYTES, type VersionMode } from '../api/contract/index.ts';
import { TOKEN_ANSWER_MAX_BYTES } from '../federation/peer-clients.ts';
import { withinDeadline } from '../net/deadlines.ts';
import { readAtMost, tooLargeReason } from '../net/read-limit.ts';

/**
 * A concrete path for a version's first readable resource — or, for an async version, the first that takes a POST
 * (a test message): `{param}` segments become `thu-nghiem`, a final `/*` is dropped. Used by the operator's
 * sandbox test call before publishing (R-11).
 */
export function samplePath(
  context: string,
  version: string,
  resources: ResourceTemplate[],
  mode: VersionMode = 'sync',
): { method: string; path: string } {
  const wanted = mode === 'async' ? 'POST' : 'GET';
  const r = resources.find((t) => t.method === wanted || t.method === '*') ?? resources[0];
  const resource = (r?.path ?? '/').replace(/\/\*$/, '').replace(/\{[^}]+\}/g, 'thu-nghiem');
  return { method: r && r.method !== '*' ? r.method : wanted, path: `/${context}/${version}${resource}` };
}

/**
 * One call through the gateway in the sandbox with a sandbox credential, as the operator's test client makes it
 * (R-11: the service is tested in the sandbox before it is published). Returns the status the gateway answered;
 * the gateway records the call, and that record is the evidence `Lifecycle.publishVersion` looks for.
 *
 * The token and the call, answers read, are whole within `timeoutMs` (R-03) — the sandbox try's limit,
 * `sandboxCallLimitMs` in control/sandbox-try.ts: a gateway, or a provider behind it, that trickles its answer
 * held the command (and onboarding, the demo) without end. At the limit it fails with `DeadlineExceeded`.
 *
 * Each answer is read only up to a size (net/read-limit.ts): the token's `TOKEN_ANSWER_MAX_BYTES`, the call's
 * `SANDBOX_ANSWER_MAX_BYTES` — the try's, read to the end but kept nowhere. Read whole (`arrayBuffer()`), a provider
 * answering without end filled memory as fast as the link carried it until the deadline. Past its limit the reading
 * stops, the connection is closed, and the call fails saying so: the gateway records it unfinished, no evidence.
 */
export async function sandboxTestCall(
  gatewayUrl: string,
  credential: { consumerKey: string; consumerSecret: string },
  call: { method: string; path: string },
  timeoutMs: number,
): Promise<number> {
  return withinDeadline(timeoutMs, async ({ signal }) => {
    const tokenResponse = await fetch(`${gatewayUrl}/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${credential.consumerKey}:${credential.consumerSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
      redirect: 'manual',
      signal,
    });
    if (tokenResponse.status !== 200) return tokenResponse.status;
    const tokenAnswer = await readAtMost(nodeStream(tokenResponse), TOKEN_ANSWER_MAX_BYTES);
    if (tokenAnswer === null) throw new Error(`POST /token: ${tooLargeReason(TOKEN_ANSWER_MAX_BYTES)}`);
    const { access_token: token } = JSON.parse(tokenAnswer.toString('utf8')) as { access_token: string };
    // A test message for an async version: the publish evidence is then its recorded delivery.
    const sendsBody = call.method !== 'GET' && call.method !== 'HEAD';
    const response = await fetch(`${gatewayUrl}${call.path}`, {
      method: call.method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(sendsBody ? { 'content-type': 'application/json' } : {}),
      },
      ...(sendsBody ? { body: JSON.stringify({ thuNghiem: 'LGSP sandbox test' }) } : {}),
      // The answer is the provider's: a redirect it makes is its status, never followed — fetch would go wherever it
      // points (cloud metadata, the operator's own network), from the machine that runs the test, past the egress
      // policy every other outbound call passes.
      redirect: 'manual',
      signal,
    });
    await readThrough(response, SANDBOX_ANSWER_MAX_BYTES);
    return response.status;
  });
}

function nodeStream(response: Response): Readable {
  if (response.body === null) return Readable.from([]);
  return Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
}

/**
 * Reads the answer to its end — the gateway records the call as successful only once it has sent all of it — keeping
 * nothing: the status is all the test call needs. Past `limitBytes` the stream is destroyed (the connection closed)
 * and the call fails, saying why to the operator or agency who runs it.
 */
async function readThrough(response: Response, limitBytes: number): Promise<void> {
  const body = nodeStream(response);
  let bytes = 0;
  try {
    for await (const chunk of body) {
      bytes += (chunk as Buffer).length;
      if (bytes > limitBytes) {
        throw new Error(
          `${tooLargeReason(limitBytes)}: đã ngừng đọc, cổng ghi nhận lời gọi là chưa trọn nên không dùng làm bằng chứng thử nghiệm sandbox / reading stopped; the gateway records the call as unfinished, which is no sandbox evidence`,
        );
      }
    }
  } finally {
    if (!body.readableEnded) body.destroy();
  }
}
