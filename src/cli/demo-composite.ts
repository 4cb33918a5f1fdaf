import { type OnboardingEnv, publishAfterTry, type TryEnv } from './onboarding.ts';

/**
 * The demo's composite service (R-17, docs/aggregation.md): the province's LGSP itself offers "citizen and business
 * in one call", assembled from the two demo providers — the citizen lookup (required) and the tax lookup (optional)
 * called in parallel — published the regulated way (submitted, tested in the sandbox, published, which grants the
 * composite's system its backend subscriptions), and the demo consumer subscribed to it. Returns the GET that
 * `lgsp demo --json` gives as `aggregatePath`. On a store already seeded it only finds the version again.
 */
export async function seedDemoComposite(
  env: TryEnv & Pick<OnboardingEnv, 'snapshots'>,
  consumerSystemId: string,
  ids: { citizen: string; tax: string },
  actor: string,
): Promise<string> {
  const path = `/tonghop/1.0/congdan/${ids.citizen}/doanhnghiep/${ids.tax}`;
  const { registry } = env;
  if ((await registry.listServices()).some((s) => s.context === 'tonghop')) return path;
  const operator = (await registry.listOrganizations()).find((o) => o.code === '000.00.17.H01')!;
  const aggregator = await registry.createSystem(
    {
      organizationId: operator.id,
      name: 'Dịch vụ tổng hợp LGSP',
      description: 'Tổng hợp dữ liệu từ nhiều hệ thống cung cấp theo nhu cầu bên khai thác (R-17)',
      isProvider: true,
      isConsumer: false,
    },
    actor,
  );
  const service = await registry.createService(
    {
      context: 'tonghop',
      name: 'Tra cứu công dân và doanh nghiệp (dịch vụ tổng hợp)',
      providerSystemId: aggregator.id,
      description: {
        addressAndInterface: 'REST/JSON: GET /tonghop/1.0/congdan/{soDinhDanh}/doanhnghiep/{maSoThue}',
        communicationStandards: 'HTTP/1.1, JSON UTF-8',
        encryptionAndSecurity: 'TLS 1.2+; OAuth 2.0 client credentials qua LGSP',
        capacity: '50 lượt/giây',
        connectionProcedure: 'Đăng ký khai thác → thử nghiệm sandbox → cấp khoá chính thức',
        dataQuality: 'Theo chất lượng của từng dịch vụ nguồn (dân cư, thuế)',
        dataPresentation: 'JSON: congDan, doanhNghiep; X-LGSP-Completed cho biết đủ hay thiếu',
      },
    },
    actor,
  );
  const version = await registry.createVersion(
    service.id,
    {
      version: '1.0',
      resources: [{ method: 'GET', path: '/congdan/{soDinhDanh}/doanhnghiep/{maSoThue}' }],
      composite: {
        backends: [
          {
            target: '/dancu/1.0',
            path: '/congdan/{soDinhDanh}',
            required: true,
            timeoutMs: 5000,
            allow: ['duLieu.hoTen', 'duLieu.ngaySinh', 'duLieu.noiThuongTru'],
            group: 'congDan',
          },
          { target: '/thue/1.0', path: '/doanhnghiep/{maSoThue}', timeoutMs: 5000, group: 'doanhNghiep' },
        ],
      },
    },
    actor,
  );
  const document = JSON.stringify({
    openapi: '3.0.3',
    info: { title: 'Dịch vụ tổng hợp (bản demo)', version: '1.0' },
    paths: {
      '/congdan/{soDinhDanh}/doanhnghiep/{maSoThue}': {
        get: {
          parameters: ['soDinhDanh', 'maSoThue'].map((name) => ({
            name,
            in: 'path',
            required: true,
            schema: { type: 'string' },
          })),
          responses: {
            '200': { description: 'Thành công' },
            '502': { description: 'Thiếu dữ liệu bắt buộc' },
          },
        },
      },
    },
  });
  await publishAfterTry(env, version.id, { technicalDocument: document, documentType: 'openapi' }, actor);
  await registry.createSubscription(
    { systemId: consumerSystemId, versionId: version.id, environment: 'production' },
    actor,
  );
  await env.snapshots.refresh();
  return path;
}
