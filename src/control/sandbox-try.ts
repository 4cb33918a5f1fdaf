import {
  SANDBOX_ANSWER_MAX_BYTES,
  type SandboxTryBody,
  type SandboxTryResult,
  TRY_BODY_MAX_BYTES,
  TRY_RESPONSE_SHOWN_BYTES,
} from '../api/contract/index.ts';
import type { Clock } from '../core/clock.ts';
import { ConfigSchema } from '../core/config.ts';
import { LgspError } from '../core/errors.ts';
import { pathProblem } from '../core/paths.ts';
import type { KeyEncryptionKey } from '../keys/index.ts';
import { withinDeadline } from '../net/deadlines.ts';
import type { Registry } from './registry/index.ts';
import { ensureSandboxTestClient, type SandboxTestClient } from './sandbox-test-client.ts';

/**
 * The sandbox "try it" (issue 11, R-11): the operator — or the providing agency, for its own version — calls a
 * version in the sandbox through the real gateway, with the platform's own test client, and sees the answer. The
 * call is a real one: the gateway checks the token, the subscription and the egress policy and records it like
 * any other, and that record is the evidence publishing looks for. The answer's body is shown to whoever tried
 * and kept nowhere (R-02).
 */

/** The gateway as the admin API reaches it for a try, given by the composition root (src/platform.ts). */
export interface SandboxGateway {
  /** Base URL of a gateway on this machine (http://127.0.0.1:port). */
  url: string;
  /** Loads the configuration a try has just changed (its subscription) into this process's gateway. */
  refresh(): Promise<void>;
  /** Resolves true once the transaction record `id` is durable in the store, false after `timeoutMs`. */
  recordDurable(id: string, timeoutMs: number): Promise<boolean>;
}

export interface SandboxTryDeps {
  registry: Registry;
  kek: KeyEncryptionKey;
  clock: Clock;
  gateway: SandboxGateway;
  /** How long one call through the gateway may take, whole: `sandboxCallLimitMs`. */
  timeoutMs: number;
  /** How long other gateway nodes may take to load a changed configuration (`snapshot.pollIntervalMs`). */
  configReloadMs: number;
}

/**
 * How long one call through our own gateway may take, whole (R-03): the gateway's limit for its provider's answer
 * (`gateway.upstreamTimeoutMs`), plus 5 s for the token and the hop. The "try it" and the sandbox test call
 * (gateway/sandbox-probe.ts: the CLI, onboarding, the demo) share it.
 */
export function sandboxCallLimitMs(upstreamTimeoutMs: number): number {
  return upstreamTimeoutMs + 5000;
}

/**
 * The limit for a caller that does not know the gateway's `upstreamTimeoutMs` (`lgsp version-change test`, a client
 * of a remote platform; the test harnesses): the longest any gateway may be set to wait.
 */
export const SANDBOX_CALL_LONGEST_MS = sandboxCallLimitMs(
  ConfigSchema.properties.gateway.properties.upstreamTimeoutMs.maximum!,
);

/** The version states the sandbox serves (control/snapshot.ts); retired versions answer nothing any more. */
const TRIABLE = new Set(['sandbox_test', 'published', 'deprecated']);
/** Gateway refusals that only mean "this node has not loaded the new subscription or credential yet". */
const NOT_LOADED_YET = new Set(['GW_SUBSCRIPTION_REQUIRED', 'GW_TOKEN_INVALID', 'GW_CREDENTIAL_REVOKED']);
/** How long the record of a try may take to become durable before the try answers 503. */
const RECORD_TIMEOUT_MS = 10_000;
const TEXTUAL =
  /^(text\/|application\/([\w.+-]*\+)?(json|xml|x-www-form-urlencoded|javascript|problem\+json))/i;

export async function trySandboxCall(
  deps: SandboxTryDeps,
  versionId: string,
  input: SandboxTryBody,
  actor: string,
): Promise<SandboxTryResult> {
  const version = await deps.registry.getVersion(versionId);
  // A version without a sandbox upstream is tried too: the gateway answers from its OpenAPI examples (issue 12
  // item 9), or says why it cannot (GW_MOCK_UNAVAILABLE) — shown as the try's answer like any other.
  if (!TRIABLE.has(version.status)) {
    throw new LgspError(
      'CP_SANDBOX_TRY_UNAVAILABLE',
      `${version.context}/${version.version}: ${version.status}`,
    );
  }
  const path = `/${version.context}/${version.version}${checkedPath(input.path)}`;
  const body = input.body ?? null;
  if (body !== null && Buffer.byteLength(body) > TRY_BODY_MAX_BYTES) {
    throw new LgspError('API_VALIDATION_FAILED', `body: > ${TRY_BODY_MAX_BYTES} bytes`);
  }
  if (body !== null && (input.method === 'GET' || input.method === 'HEAD')) {
    throw new LgspError('API_VALIDATION_FAILED', `body: ${input.method} không gửi nội dung / sends no body`);
  }
  const { client, changed } = await ensureSandboxTestClient(
    deps.registry.changes,
    deps.kek,
    version.id,
    actor,
  );
  if (changed) await deps.gateway.refresh();
  const url = `${deps.gateway.url}${path}${input.query ? `?${input.query}` : ''}`;
  const request: GatewayRequest = { method: input.method, url, headers: input.headers ?? {}, body };

  // A subscription or credential just made reaches this node's gateway at once (refresh), gateway workers and
  // other nodes within their reload time: until then their refusals say only that, so the try is made again.
  const retryUntil = deps.clock.nowMs() + (changed ? deps.configReloadMs + 1000 : 0);
  for (;;) {
    const answer = await callThroughGateway(deps, client, request);
    if (!(NOT_LOADED_YET.has(answer.problemCode ?? '') && deps.clock.nowMs() < retryUntil)) {
      return finish(deps, answer);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * The path under the version, refused (400) when it could leave it: the gateway's canonical-path rule
 * (`core/paths.ts`), so a try is refused here, with the reason, exactly when the gateway would refuse it.
 */
function checkedPath(path: string): string {
  const problem = pathProblem(path);
  if (problem !== null) throw new LgspError('API_VALIDATION_FAILED', `path "${path}": ${problem}`);
  return path;
}

interface GatewayRequest {
  method: string;
  url: string;
  headers: Record<string, string | undefined>;
  body: string | null;
}

interface GatewayAnswer {
  status: number;
  headers: Record<string, string>;
  shown: Buffer;
  bytes: number;
  textual: boolean;
  durationMs: number;
  transactionId: string | null;
  problemCode: string | null;
  calledAtMs: number;
}

/** The token, then the call, as a consumer system makes them; each is a recorded transaction of the gateway. */
async function callThroughGateway(
  deps: SandboxTryDeps,
  client: SandboxTestClient,
  request: GatewayRequest,
): Promise<GatewayAnswer> {
  const calledAtMs = deps.clock.nowMs();
  try {
    // The token and the call, both answers read, within the one limit (net/deadlines.ts).
    return await withinDeadline(deps.timeoutMs, async ({ signal }) => {
      const tokenResponse = await fetch(`${deps.gateway.url}/token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${client.consumerKey}:${client.consumerSecret}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
        signal,
      });
      const token = (await tokenResponse.json()) as { access_token?: string };
      if (tokenResponse.status !== 200 || typeof token.access_token !== 'string') {
        throw new LgspError('CP_SANDBOX_TRY_FAILED', `POST /token: ${tokenResponse.status}`);
      }
      const headers: Record<string, string> = { authorization: `Bearer ${token.access_token}` };
      for (const [name, value] of Object.entries(request.headers))
        if (value !== undefined) headers[name] = value;
      if (request.body !== null && headers['content-type'] === undefined)
        headers['content-type'] = 'text/plain';
      const started = performance.now();
      const response = await fetch(request.url, {
        method: request.method,
        headers,
        ...(request.body !== null ? { body: request.body } : {}),
        redirect: 'manual',
        signal,
      });
      const { shown, bytes } = await readShown(response);
      const durationMs = Math.round(performance.now() - started);
      const answerHeaders: Record<string, string> = {};
      response.headers.forEach((value, name) => {
        // Cookies of the provider are credentials of the test client's session, not something to show.
        if (name !== 'set-cookie') answerHeaders[name] = value;
      });
      const contentType = response.headers.get('content-type') ?? '';
      return {
        status: response.status,
        headers: answerHeaders,
        shown,
        bytes,
        textual: contentType === '' || TEXTUAL.test(contentType),
        durationMs,
        transactionId: response.headers.get('x-lgsp-transaction-id'),
        problemCode: contentType.startsWith('application/problem+json') ? problemCodeOf(shown) : null,
        calledAtMs,
      };
    });
  } catch (err) {
    if (err instanceof LgspError) throw err;
    throw new LgspError(
      'CP_SANDBOX_TRY_FAILED',
      `cổng kết nối không trả lời / the gateway did not answer: ${(err as Error).name}`,
    );
  }
}

/** Reads the answer, keeping its first `TRY_RESPONSE_SHOWN_BYTES`; stops reading past `SANDBOX_ANSWER_MAX_BYTES`. */
async function readShown(response: Response): Promise<{ shown: Buffer; bytes: number }> {
  const chunks: Buffer[] = [];
  let kept = 0;
  let bytes = 0;
  if (!response.body) return { shown: Buffer.alloc(0), bytes: 0 };
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (kept < TRY_RESPONSE_SHOWN_BYTES) {
      const part = Buffer.from(value.subarray(0, TRY_RESPONSE_SHOWN_BYTES - kept));
      chunks.push(part);
      kept += part.length;
    }
    if (bytes > SANDBOX_ANSWER_MAX_BYTES) {
      await reader.cancel();
      break;
    }
  }
  return { shown: Buffer.concat(chunks), bytes };
}

function problemCodeOf(body: Buffer): string | null {
  try {
    const code = (JSON.parse(body.toString('utf8')) as { code?: unknown }).code;
    return typeof code === 'string' ? code : null;
  } catch {
    return null;
  }
}

/** Answers only once the call's record is durable, so that publishing right after finds its evidence. */
async function finish(deps: SandboxTryDeps, answer: GatewayAnswer): Promise<SandboxTryResult> {
  const id = answer.transactionId;
  if (id === null || !(await deps.gateway.recordDurable(id, RECORD_TIMEOUT_MS))) {
    throw new LgspError(
      'CP_SANDBOX_TRY_FAILED',
      id === null
        ? 'câu trả lời không có mã giao dịch / the answer carries no transaction id'
        : `bản ghi ${id} chưa ghi được / record ${id} not written yet`,
    );
  }
  const truncated = answer.bytes > answer.shown.length;
  // A cut may split a UTF-8 character: the text then ends with U+FFFD, and `bodyTruncated` says why.
  return {
    status: answer.status,
    headers: answer.headers,
    body: answer.textual ? answer.shown.toString('utf8') : answer.shown.toString('base64'),
    bodyEncoding: answer.textual ? 'utf8' : 'base64',
    bodyBytes: answer.bytes,
    bodyTruncated: truncated,
    durationMs: answer.durationMs,
    transactionId: id,
    calledAt: new Date(answer.calledAtMs).toISOString(),
  };
}
