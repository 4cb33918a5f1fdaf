import type { TechnicalDescription } from '../../src/api/contract/index.ts';
import * as onboarding from '../../src/cli/onboarding.ts';
import type { Registry } from '../../src/control/registry/index.ts';
import type { SnapshotHolder } from '../../src/gateway/snapshot-holder.ts';
import { getToken } from './gateway-harness.ts';

export type OnboardingEnv = onboarding.OnboardingEnv;

/** Every R-11 item, as a provider would fill them. */
export const FULL_DESCRIPTION: TechnicalDescription = {
  addressAndInterface: 'REST/JSON qua LGSP',
  communicationStandards: 'HTTP/1.1, JSON UTF-8',
  encryptionAndSecurity: 'TLS 1.2+, OAuth 2.0 client credentials',
  capacity: '100 lượt/giây',
  connectionProcedure: 'Đăng ký khai thác → sandbox → chính thức',
  dataQuality: 'Cập nhật hằng ngày',
  dataPresentation: 'JSON',
};

export const OPENAPI_DOC = JSON.stringify({
  openapi: '3.0.3',
  info: { title: 'Dịch vụ mẫu', version: '1.0' },
  paths: {},
});
const DOCUMENT = { technicalDocument: OPENAPI_DOC, documentType: 'openapi' as const };

const testers = new WeakMap<Registry, onboarding.SandboxTester>();

/** The operator's own sandbox test client (Sở TT&TT), created once per registry. */
async function operatorTester(registry: Registry): Promise<onboarding.SandboxTester> {
  const known = testers.get(registry);
  if (known) return known;
  const orgs = await registry.listOrganizations();
  const org =
    orgs.find((o) => o.code === '000.00.17.H01') ??
    (await registry.createOrganization(
      {
        code: '000.00.17.H01',
        name: 'Sở Thông tin và Truyền thông',
        contact: { name: 'Phạm Minh Tuấn', email: 'lgsp@angiang.gov.vn' },
      },
      'test',
    ));
  const system = await registry.createSystem(
    { organizationId: org.id, name: 'Công cụ kiểm thử LGSP', isProvider: false, isConsumer: true },
    'test',
  );
  const tester = {
    systemId: system.id,
    credential: await registry.issueCredential(system.id, 'sandbox', 'test'),
  };
  testers.set(registry, tester);
  return tester;
}

export async function testInSandbox(env: OnboardingEnv, versionId: string): Promise<void> {
  await onboarding.testInSandbox(env, await operatorTester(env.registry), versionId, DOCUMENT, 'test');
  await env.recorder.flush();
}

/** `document`: the version's technical document (a SOAP version submits its WSDL); an empty OpenAPI by default. */
export async function publishThroughSandbox(
  env: OnboardingEnv,
  versionId: string,
  document: { technicalDocument: string; documentType: 'openapi' | 'wsdl' } = DOCUMENT,
): Promise<void> {
  await onboarding.publishThroughSandbox(
    env,
    await operatorTester(env.registry),
    versionId,
    document,
    'test',
  );
}

/**
 * The set-up of a gateway suite that calls its own provider: each version published through the sandbox and
 * subscribed by `systemId` in production; then a production credential of that system, the snapshot that holds them
 * all, and its token.
 */
export async function subscribedToken(
  env: OnboardingEnv & { snapshots: SnapshotHolder; url: string },
  systemId: string,
  versionIds: readonly string[],
): Promise<string> {
  for (const versionId of versionIds) {
    await publishThroughSandbox(env, versionId);
    await env.registry.createSubscription({ systemId, versionId, environment: 'production' }, 'test');
  }
  const credential = await env.registry.issueCredential(systemId, 'production', 'test');
  await env.snapshots.refresh();
  return getToken(env.url, credential.consumerKey, credential.consumerSecret);
}
