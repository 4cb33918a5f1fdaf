import type { Lifecycle } from '../control/lifecycle/index.ts';
import type { Registry } from '../control/registry/index.ts';
import { samplePath, sandboxTestCall } from '../gateway/sandbox-probe.ts';

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
  const status = await sandboxTestCall(env.gatewayUrl, tester.credential, call);
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
