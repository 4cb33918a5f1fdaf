import type { SandboxTryBody, SandboxTryResult } from '../api/contract/index.ts';
import type { Lifecycle } from '../control/lifecycle/index.ts';
import type { Registry } from '../control/registry/index.ts';
import {
  SANDBOX_CALL_LONGEST_MS,
  type SandboxGateway,
  sandboxCallLimitMs,
  trySandboxCall,
} from '../control/sandbox-try.ts';
import type { Clock } from '../core/clock.ts';
import type { Config } from '../core/config.ts';
import { samplePath, sandboxTestCall } from '../gateway/sandbox-probe.ts';
import type { KeyEncryptionKey } from '../keys/index.ts';

/** What trying a version needs of a running platform: the parts the admin API's "try it" uses (src/platform.ts). */
export interface TryEnv {
  registry: Registry;
  lifecycle: Lifecycle;
  kek: KeyEncryptionKey;
  clock: Clock;
  config: Config;
  sandboxGateway: SandboxGateway;
}

/**
 * Takes a draft version to the sandbox and tries it there as the operator does from the console (issue 11, R-11;
 * docs/sandbox.md): submitted with its technical document, sandbox test opened, then one call through the real
 * gateway by `POST /api/v1/versions/{id}/try`'s own code — with the platform's test client, which the platform makes
 * and subscribes itself, so no test organization, system, subscription or credential is made by hand. The try
 * answers once its record is durable. A call that does not answer 2xx is no evidence, and is said so.
 */
export async function tryInSandbox(
  env: TryEnv,
  versionId: string,
  document: Parameters<Lifecycle['submitVersion']>[1],
  actor: string,
): Promise<SandboxTryResult> {
  await env.lifecycle.submitVersion(versionId, document, actor);
  const version = await env.lifecycle.startSandboxTest(versionId, actor);
  const call = samplePath(version.context, version.version, version.resources, version.mode);
  const sendsBody = call.method !== 'GET' && call.method !== 'HEAD';
  const result = await trySandboxCall(
    {
      registry: env.registry,
      kek: env.kek,
      clock: env.clock,
      gateway: env.sandboxGateway,
      timeoutMs: sandboxCallLimitMs(env.config.gateway.upstreamTimeoutMs),
      configReloadMs: env.config.snapshot.pollIntervalMs,
    },
    versionId,
    {
      method: call.method as SandboxTryBody['method'],
      path: call.path.slice(`/${version.context}/${version.version}`.length) || '/',
      ...(sendsBody
        ? {
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ thuNghiem: 'LGSP sandbox test' }),
          }
        : {}),
    },
    actor,
  );
  if (result.status < 200 || result.status >= 300)
    throw new Error(`sandbox try ${call.method} ${call.path} answered ${result.status}`);
  return result;
}

/**
 * …then publishes it on that evidence, at once: the try answered only after its record was durable, so the
 * publication finds it without waiting or retrying (issue 11).
 */
export async function publishAfterTry(...args: Parameters<typeof tryInSandbox>): Promise<void> {
  const [env, versionId, , actor] = args;
  await tryInSandbox(...args);
  await env.lifecycle.publishVersion(versionId, {}, actor);
}

/*
 * The harnesses of the tests and benchmarks that run a gateway without the admin API (no key-encryption key, no
 * try) take a version through the sandbox with a test client of their own, below.
 */

/** What taking a version through the sandbox needs of a running platform. */
export interface OnboardingEnv {
  registry: Registry;
  lifecycle: Lifecycle;
  gatewayUrl: string;
  recorder: { flush(): Promise<void> };
  snapshots: { refresh(): Promise<void> };
}

/** The operator's sandbox test client: a consumer system of the operator with a sandbox credential. */
export interface SandboxTester {
  systemId: string;
  credential: { consumerKey: string; consumerSecret: string };
}

/**
 * Takes a draft version up to publishing as the regulation asks: submitted with its technical document,
 * sandbox test opened, the operator's test client subscribed in the sandbox, and one real call through the
 * gateway there — which the gateway records.
 */
export async function testInSandbox(
  env: OnboardingEnv,
  tester: SandboxTester,
  versionId: string,
  document: Parameters<Lifecycle['submitVersion']>[1],
  actor: string,
): Promise<void> {
  await env.lifecycle.submitVersion(versionId, document, actor);
  const version = await env.lifecycle.startSandboxTest(versionId, actor);
  await env.registry.createSubscription(
    { systemId: tester.systemId, versionId, environment: 'sandbox' },
    actor,
  );
  await env.snapshots.refresh();
  const call = samplePath(version.context, version.version, version.resources, version.mode);
  const status = await sandboxTestCall(env.gatewayUrl, tester.credential, call, SANDBOX_CALL_LONGEST_MS);
  if (status < 200 || status >= 300)
    throw new Error(`sandbox test call ${call.method} ${call.path} answered ${status}`);
}

/** …then, given the same arguments, publishes it on that recorded evidence. */
export async function publishThroughSandbox(...args: Parameters<typeof testInSandbox>): Promise<void> {
  const [env, , versionId, , actor] = args;
  await testInSandbox(...args);
  await onceRecorded(env, 'CP_SANDBOX_TEST_REQUIRED', () =>
    env.lifecycle.publishVersion(versionId, {}, actor),
  );
  await env.snapshots.refresh();
}

/**
 * Runs a step that needs a recorded sandbox call as its evidence, waiting for the record to land: records reach
 * the store in batches (and from gateway workers through the primary), so it may take a moment. Retries only
 * while the step refuses with `missingEvidenceCode`, for up to five seconds.
 */
export async function onceRecorded<T>(
  env: Pick<OnboardingEnv, 'recorder'>,
  missingEvidenceCode: string,
  step: () => Promise<T>,
): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    await env.recorder.flush();
    try {
      return await step();
    } catch (err) {
      if ((err as { code?: string }).code !== missingEvidenceCode || attempt >= 50) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
