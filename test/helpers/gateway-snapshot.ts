import { exportJWK, generateKeyPair } from 'jose';
import type { SnapshotData } from '../../src/control/snapshot.ts';

const HOUR = 3_600_000;
const SECRET_SHA256 = 'a9c65275151b31feaa700671e28359e5052d4c1ebf1a9b552ea3004d7bd589e7'; // 'bi-mat'

type RouteData = SnapshotData['routes'][number];
function routeData(
  over: Partial<RouteData> & Pick<RouteData, 'context' | 'version' | 'versionId'>,
): RouteData {
  return {
    serviceId: `svc_${over.context.replace(/\W/g, '')}`,
    status: 'published',
    mode: 'sync',
    deliveryConcurrency: 4,
    requestBodyLimitBytes: null,
    healthCheck: null,
    providerSystemId: 'sys_provider',
    providerOrgCode: '000.00.31.H01',
    upstreams: { sandbox: 'http://10.0.0.1:8080/api', production: 'http://10.0.0.2:8080/api' },
    resources: [
      { method: 'GET', path: '/congdan/{soDinhDanh}' },
      { method: 'POST', path: '/hoso' },
      { method: '*', path: '/tep/*' },
    ],
    deprecatedAtMs: null,
    sunsetAtMs: null,
    successorPath: null,
    decommissionAtMs: null,
    ...over,
  };
}

/**
 * Configuration snapshot data written by hand, for gateway tests that need no store (the policy tables, the
 * exchange's answers): a consumer system with three credentials (`k-a` active with secret `bi-mat`, `k-r` rotated,
 * `k-o` past its overlap), nine routes covering each version state and mode, two maintenance windows and three
 * subscriptions, all relative to `nowMs`.
 */
export async function snapshotData(nowMs: number): Promise<SnapshotData> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const key = {
    kid: 'k1',
    algorithm: 'ES256',
    publicJwk: { ...(await exportJWK(publicKey)), kid: 'k1' } as Record<string, unknown>,
    retiredAtMs: null,
    verifyUntilMs: null,
  };
  return {
    revision: 1,
    signingKey: { ...key, privateJwk: (await exportJWK(privateKey)) as Record<string, unknown> },
    verificationKeys: [key],
    credentials: [
      {
        id: 'cred_active',
        consumerKey: 'k-a',
        secretSha256: SECRET_SHA256,
        systemId: 'sys_consumer',
        environment: 'production',
        expiresAtMs: null,
      },
      {
        id: 'cred_rotated',
        consumerKey: 'k-r',
        secretSha256: SECRET_SHA256,
        systemId: 'sys_consumer',
        environment: 'production',
        expiresAtMs: nowMs + HOUR,
      },
      {
        id: 'cred_overlap_over',
        consumerKey: 'k-o',
        secretSha256: SECRET_SHA256,
        systemId: 'sys_consumer',
        environment: 'production',
        expiresAtMs: nowMs,
      },
    ],
    systems: [{ id: 'sys_consumer', name: 'Một cửa', organizationCode: '000.00.12.H01', clientCert: null }],
    routes: [
      routeData({ context: 'dancu', version: '1.0', versionId: 'ver_dancu1' }),
      routeData({ context: 'bhxh/tracuu', version: '2.0', versionId: 'ver_bhxh2' }),
      routeData({ context: 'thu', version: '1.0', versionId: 'ver_test', status: 'sandbox_test' }),
      routeData({
        context: 'cu',
        version: '1.0',
        versionId: 'ver_retired',
        status: 'retired',
        successorPath: '/cu/2.0',
      }),
      routeData({
        context: 'cu',
        version: '1.5',
        versionId: 'ver_sunset',
        status: 'deprecated',
        sunsetAtMs: nowMs - 1,
      }),
      routeData({
        context: 'cu',
        version: '1.9',
        versionId: 'ver_later',
        status: 'deprecated',
        sunsetAtMs: nowMs + HOUR,
      }),
      routeData({ context: 'dong', version: '1.0', versionId: 'ver_gone', decommissionAtMs: nowMs }),
      routeData({
        context: 'sandboxonly',
        version: '1.0',
        versionId: 'ver_sbx',
        upstreams: { sandbox: 'http://10.0.0.1/', production: null },
      }),
      routeData({
        context: 'hopthu',
        version: '1.0',
        versionId: 'ver_async',
        mode: 'async',
        upstreams: { sandbox: null, production: null },
      }),
    ],
    maintenance: [
      { noticeId: 'ntc_1', serviceId: 'svc_dancu', startsAtMs: nowMs - HOUR, endsAtMs: nowMs + 90_500 },
      { noticeId: 'ntc_2', serviceId: null, startsAtMs: nowMs + HOUR, endsAtMs: nowMs + 2 * HOUR },
    ],
    subscriptions: [
      {
        id: 'sub_any',
        systemId: 'sys_consumer',
        versionId: 'ver_dancu1',
        environment: 'production',
        quotaPerMinute: 2,
        quotaPerDay: null,
        windowStart: null,
        windowEnd: null,
      },
      {
        id: 'sub_office',
        systemId: 'sys_consumer',
        versionId: 'ver_bhxh2',
        environment: 'production',
        quotaPerMinute: null,
        quotaPerDay: 3,
        windowStart: '13:00',
        windowEnd: '17:00',
      },
      {
        id: 'sub_night',
        systemId: 'sys_consumer',
        versionId: 'ver_later',
        environment: 'production',
        quotaPerMinute: null,
        quotaPerDay: null,
        windowStart: '22:00',
        windowEnd: '11:00',
      },
    ],
  };
}
