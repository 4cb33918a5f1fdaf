import { App, Button, Card, Input, Popconfirm, Select, Space, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useSearchParams } from 'react-router-dom';
import { api, type OperationResponse } from '../../shared/api.ts';
import { useBranding } from '../../shared/branding.tsx';
import { useT } from '../../shared/i18n.tsx';
import { useServerList } from '../../shared/server-list.ts';
import { StateTag, useStateName } from '../../shared/tags.tsx';
import { formatDateTime } from '../../shared/time.ts';
import { ProblemAlert } from '../components/page.tsx';
import { ServiceVersionName } from '../components/registry-names.tsx';
import { RotateWithOverlapModal } from '../components/rotate-modal.tsx';
import { ConsumerSecretModal, type OneTimeSecret } from '../components/secret-once.tsx';
import { ServerTable } from '../components/server-table.tsx';
import { useOwnSystems } from './common.tsx';

type Credential = OperationResponse<'listCredentials'>['items'][number];
type Guide = OperationResponse<'getSubscriptionRequestGuide'>;

/**
 * Keys per system and environment (R-14, R-25): the consumer keys, never a secret. The operator issues a key with
 * a subscription approval and the agency collects its secret once on the subscriptions screen; here the agency
 * rotates a key (the new secret is shown once, the old key keeps working for the overlap, R-19) or revokes one.
 */
export function AgencyKeys() {
  const t = useT();
  const stateName = useStateName();
  const { message } = App.useApp();
  const { systems, error: systemsError } = useOwnSystems();
  // "Cách gọi" of a subscription request opens on that request's consumer system: the first system (often the
  // provider) showed "no key" above a guide naming a key.
  const [params] = useSearchParams();
  const [systemId, setSystemId] = useState<string | undefined>(params.get('system') ?? undefined);
  const chosen = systemId ?? systems[0]?.id;
  const [rotating, setRotating] = useState<Credential | null>(null);
  const [secret, setSecret] = useState<OneTimeSecret | null>(null);
  const [error, setError] = useState<unknown>(null);
  const list = useServerList<Credential, { systemId?: string }>((request) =>
    request.systemId
      ? api.call('listCredentials', { query: request })
      : Promise.resolve({ items: [], total: 0 }),
  );
  const { setFilters, reload } = list;
  useEffect(() => {
    if (chosen) setFilters({ systemId: chosen });
  }, [chosen, setFilters]);

  const revoke = async (credential: Credential, reason: string) => {
    setError(null);
    try {
      await api.call('revokeCredential', { params: { id: credential.id }, body: reason ? { reason } : {} });
      message.success(t('Đã thu hồi khoá', 'Key revoked'));
      reload();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={1} style={{ fontSize: 24 }}>
        {t('Khoá của cơ quan', 'Our keys')}
      </Typography.Title>
      <ProblemAlert error={systemsError} />
      <Card
        title={
          <h2 style={{ fontSize: 16, margin: 0 }}>
            {t('Khoá theo hệ thống và môi trường', 'Keys per system and environment')}
          </h2>
        }
      >
        <Typography.Paragraph type="secondary">
          {t(
            'Khoá bí mật chỉ hiện một lần khi nhận (màn hình Đề nghị khai thác) hoặc khi đổi khoá; ở đây chỉ có consumer key.',
            'A secret is shown once, when collected (Subscription requests screen) or rotated; only consumer keys are listed here.',
          )}
        </Typography.Paragraph>
        <Space style={{ marginBottom: 12 }}>
          <label htmlFor="agency-key-system">{t('Hệ thống', 'System')}</label>
          <Select
            id="agency-key-system"
            style={{ minWidth: 280 }}
            value={chosen}
            onChange={(id: string) => setSystemId(id)}
            options={systems.map((s) => ({ value: s.id, label: s.name }))}
          />
        </Space>
        <ProblemAlert error={error} />
        <ServerTable<Credential>
          list={list}
          emptyText={t('Hệ thống chưa có khoá nào', 'This system has no key')}
          size="small"
          columns={[
            {
              title: t('Môi trường', 'Environment'),
              dataIndex: 'environment',
              render: (env: string) => stateName(env),
            },
            {
              title: 'Consumer key',
              dataIndex: 'consumerKey',
              render: (key: string) => <Typography.Text code>{key}</Typography.Text>,
            },
            {
              title: t('Trạng thái', 'State'),
              dataIndex: 'status',
              render: (s: string) => <StateTag state={s} />,
            },
            {
              title: t('Cấp lúc', 'Issued'),
              dataIndex: 'createdAt',
              render: (at: string) => formatDateTime(at),
            },
            {
              title: t('Hết hiệu lực', 'Expires'),
              dataIndex: 'expiresAt',
              render: (at: string | null) => formatDateTime(at),
            },
            {
              title: t('Thao tác', 'Actions'),
              render: (_, credential) =>
                credential.status === 'active' && !credential.replacedBy ? (
                  <Space>
                    <Button size="small" onClick={() => setRotating(credential)}>
                      {t('Đổi khoá', 'Rotate')}
                    </Button>
                    <RevokeButton onRevoke={(reason) => void revoke(credential, reason)} />
                  </Space>
                ) : null,
            },
          ]}
        />
      </Card>
      <HowToCall credentials={list.items} />
      {rotating && (
        <RotateWithOverlapModal
          title={t('Đổi khoá', 'Rotate the key')}
          intro={t(
            'Một khoá mới được cấp và khoá bí mật mới chỉ hiện một lần. Khoá cũ vẫn dùng được trong thời gian chuyển đổi, để hệ thống kịp thay; sau đó bị từ chối.',
            'A new key is issued and its secret is shown once. The old key keeps working during the overlap so your system can switch; after that it is refused.',
          )}
          maxOverlapHours={720}
          rotate={async (overlapHours) => {
            const issued = await api.call('rotateCredential', {
              params: { id: rotating.id },
              body: { overlapHours },
            });
            const until = new Date(Date.now() + overlapHours * 3_600_000);
            return {
              consumerKey: issued.consumerKey,
              consumerSecret: issued.consumerSecret,
              environment: stateName(issued.environment),
              oldKeyWorksUntil: formatDateTime(until),
            };
          }}
          onClose={(issued) => {
            setRotating(null);
            if (issued) {
              setSecret(issued);
              reload();
            }
          }}
        />
      )}
      <ConsumerSecretModal secret={secret} onClose={() => setSecret(null)} />
    </Space>
  );
}

function RevokeButton({ onRevoke }: { onRevoke: (reason: string) => void }) {
  const t = useT();
  const [reason, setReason] = useState('');
  return (
    <Popconfirm
      title={t('Thu hồi khoá này?', 'Revoke this key?')}
      description={
        <Space orientation="vertical">
          <Typography.Text>
            {t('Mọi lời gọi bằng khoá này bị từ chối ngay.', 'Every call with this key is refused at once.')}
          </Typography.Text>
          <Input
            aria-label={t('Lý do thu hồi', 'Reason for revoking')}
            placeholder={t('Lý do thu hồi', 'Reason for revoking')}
            maxLength={500}
            value={reason}
            onChange={(e) => setReason(e.target.value)}
          />
        </Space>
      }
      okText={t('Thu hồi', 'Revoke')}
      okButtonProps={{ danger: true }}
      cancelText={t('Huỷ', 'Cancel')}
      onConfirm={() => onRevoke(reason.trim())}
    >
      {/* A darker red than the theme's: the default danger text falls under the AA contrast ratio. */}
      <Button size="small" danger style={{ color: '#a8071a', borderColor: '#a8071a' }}>
        {t('Thu hồi', 'Revoke')}
      </Button>
    </Popconfirm>
  );
}

/**
 * How a consumer calls: get a token with its key, then call the service with the token. The secret is never shown
 * here (it was shown once); the command leaves its place for the agency to fill.
 */
function HowToCall({ credentials }: { credentials: Credential[] }) {
  const t = useT();
  const branding = useBranding();
  const [params] = useSearchParams();
  const requestId = params.get('guide');
  const [guide, setGuide] = useState<Guide | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    setGuide(null);
    if (!requestId) return;
    api
      .call('getSubscriptionRequestGuide', { params: { id: requestId } })
      .then(setGuide)
      .catch(setError);
  }, [requestId]);

  const key =
    guide?.environments.find((e) => e.consumerKey)?.consumerKey ??
    credentials.find((c) => c.status === 'active')?.consumerKey ??
    '<consumer key>';
  const basePath = guide?.gateway.basePath ?? '/<context>/<version>';
  const resource = guide?.version.resources[0]?.path ?? '/<tai-nguyen>';
  const gateway = branding.gatewayUrl || '<địa chỉ cổng kết nối / gateway address>';
  // A resource's parameters (`/khaisinh/{so}`) are to be replaced. Unquoted and without `-g`, curl read the braces as
  // its own pattern and called `/khaisinh/so` — a command copied as shown answered 200 from a made-up path.
  const parameters = resource.match(/\{[^}]+\}/g) ?? [];
  const curl = [
    `# 1. ${t('Lấy token', 'Get a token')}`,
    `curl -s -u '${key}:<consumer secret>' -d grant_type=client_credentials ${gateway}/token`,
    `# 2. ${t('Gọi dịch vụ với token', 'Call the service with the token')}`,
    ...(parameters.length > 0
      ? [
          `# ${t(`Thay ${parameters.join(', ')} bằng giá trị cần tra`, `Replace ${parameters.join(', ')} with the value to look up`)}`,
        ]
      : []),
    `curl -g -H "Authorization: Bearer <access_token>" '${gateway}${basePath}${resource}'`,
  ].join('\n');

  return (
    <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('Cách gọi dịch vụ', 'How to call')}</h2>}>
      <ProblemAlert error={error} />
      {guide ? (
        <Typography.Paragraph>
          <ServiceVersionName
            serviceName={guide.service.name}
            context={guide.service.context}
            version={guide.version.version}
          />{' '}
          — {t(guide.gateway.howToCall.vi, guide.gateway.howToCall.en)}
        </Typography.Paragraph>
      ) : null}
      <Typography.Paragraph type="secondary">
        {t(
          'Thay <consumer secret> bằng khoá bí mật đã lưu khi nhận khoá; nền tảng không hiện lại khoá bí mật.',
          'Replace <consumer secret> with the secret you stored when collecting the key; the platform never shows it again.',
        )}
      </Typography.Paragraph>
      <pre style={{ background: '#f5f5f5', padding: 12, whiteSpace: 'pre-wrap' }}>{curl}</pre>
    </Card>
  );
}
