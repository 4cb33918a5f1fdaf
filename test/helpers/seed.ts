import { FULL_DESCRIPTION, type OnboardingEnv, publishThroughSandbox } from './onboard.ts';
import { allowEgressTo } from './upstream.ts';

/**
 * A small province: an operator, a provider agency (Công an tỉnh, citizen lookup), a consumer agency (Sở Tư pháp)
 * subscribed in production to the citizen lookup, and a tax service it is NOT subscribed to.
 */
export async function seedProvince(env: OnboardingEnv, upstreamUrl: string, actor = 'test') {
  const { registry } = env;
  allowEgressTo(registry.egress, upstreamUrl);
  const provider = await registry.createOrganization(
    {
      code: '000.00.31.H01',
      name: 'Công an tỉnh An Giang',
      contact: {
        name: 'Trần Thị Bình',
        title: 'Phó phòng',
        unit: 'Phòng PC06',
        phone: '0296 3852 000',
        email: 'pc06@angiang.gov.vn',
      },
    },
    actor,
  );
  const consumer = await registry.createOrganization(
    {
      code: '000.00.12.H01',
      name: 'Sở Tư pháp tỉnh An Giang',
      contact: { name: 'Lê Văn Cường', email: 'stp@angiang.gov.vn' },
    },
    actor,
  );
  const providerSystem = await registry.createSystem(
    { organizationId: provider.id, name: 'CSDL Dân cư tỉnh', isProvider: true, isConsumer: false },
    actor,
  );
  const consumerSystem = await registry.createSystem(
    { organizationId: consumer.id, name: 'Hệ thống Hộ tịch', isProvider: false, isConsumer: true },
    actor,
  );
  const dancu = await registry.createService(
    {
      context: 'dancu',
      name: 'Tra cứu công dân',
      providerSystemId: providerSystem.id,
      description: FULL_DESCRIPTION,
    },
    actor,
  );
  const v1 = await registry.createVersion(
    dancu.id,
    {
      version: '1.0',
      upstreams: { sandbox: `${upstreamUrl}/sandbox/dancu`, production: `${upstreamUrl}/api/dancu` },
      resources: [
        { method: 'GET', path: '/congdan/{soDinhDanh}' },
        { method: 'POST', path: '/hoso' },
        { method: 'POST', path: '/xml' },
        { method: 'GET', path: '/cham' },
        { method: 'GET', path: '/dong' },
      ],
    },
    actor,
  );
  const thue = await registry.createService(
    {
      context: 'thue',
      name: 'Tra cứu mã số thuế',
      providerSystemId: providerSystem.id,
      description: FULL_DESCRIPTION,
    },
    actor,
  );
  const thueV1 = await registry.createVersion(
    thue.id,
    {
      version: '1.0',
      upstreams: { sandbox: `${upstreamUrl}/sandbox/thue`, production: `${upstreamUrl}/api/thue` },
    },
    actor,
  );
  // Both reach production the regulated way: submitted, tested in the sandbox, published.
  await publishThroughSandbox(env, v1.id);
  await publishThroughSandbox(env, thueV1.id);
  const subscription = await registry.createSubscription(
    {
      systemId: consumerSystem.id,
      versionId: v1.id,
      environment: 'production',
      quotaPerMinute: 1000,
      quotaPerDay: 100000,
    },
    actor,
  );
  const credential = await registry.issueCredential(consumerSystem.id, 'production', actor);
  return {
    provider,
    consumer,
    providerSystem,
    consumerSystem,
    dancu,
    v1,
    thue,
    thueV1,
    subscription,
    credential,
  };
}
