import type { ResourceTemplate, VersionMode } from '../api/contract/index.ts';
import { withinDeadline } from '../net/deadlines.ts';

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
    const { access_token: token } = (await tokenResponse.json()) as { access_token: string };
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
    await response.arrayBuffer();
    return response.status;
  });
}
