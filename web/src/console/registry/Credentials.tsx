import { App, Button, Form, Input, Space } from 'antd';
import { useEffect, useRef, useState } from 'react';
import { api, type OperationResponse } from '../../shared/api.ts';
import { useT } from '../../shared/i18n.tsx';
import { useServerList } from '../../shared/server-list.ts';
import { ENVIRONMENTS, StateTag, useStateName, useStateOptions } from '../../shared/tags.tsx';
import { formatDateTime } from '../../shared/time.ts';
import {
  DANGER_BUTTON,
  DANGER_OK,
  FilterSelect,
  PageTitle,
  ProblemAlert,
  SearchBox,
  useCan,
} from '../components/page.tsx';
import { RegistryName, searchSystems } from '../components/registry-names.tsx';
import { RemoteSelect } from '../components/registry-remote-select.tsx';
import { RotateWithOverlapModal } from '../components/rotate-modal.tsx';
import { ConsumerSecretModal } from '../components/secret-once.tsx';
import { ServerTable } from '../components/server-table.tsx';

type Credential = OperationResponse<'getCredential'>;
type Issued = OperationResponse<'issueCredential'>;

type CredentialFilters = {
  systemId?: string;
  environment?: string;
  status?: string;
};

/** Credentials of every system: by system, environment and state; revoke and rotate from here. */
export function Credentials() {
  const t = useT();
  const stateOptions = useStateOptions();
  const [filters, setFilters] = useState<CredentialFilters>({});
  const change = (next: CredentialFilters) => setFilters(next);
  return (
    <>
      <PageTitle>{t('Khoá truy cập', 'Credentials')}</PageTitle>
      <Space wrap align="start">
        <RemoteSelect
          ariaLabel={t('Lọc theo hệ thống', 'Filter by system')}
          placeholder={t('Mọi hệ thống', 'Any system')}
          search={searchSystems}
          value={filters.systemId}
          onChange={(systemId) => change({ ...filters, systemId })}
        />
        <FilterSelect
          label={t('Lọc theo môi trường', 'Filter by environment')}
          placeholder={t('Mọi môi trường', 'Any environment')}
          value={filters.environment}
          onChange={(environment) => change({ ...filters, environment })}
          options={stateOptions(ENVIRONMENTS)}
        />
        <FilterSelect
          label={t('Lọc theo trạng thái', 'Filter by state')}
          placeholder={t('Mọi trạng thái', 'Any state')}
          value={filters.status}
          onChange={(status) => change({ ...filters, status })}
          options={stateOptions(['active', 'revoked'])}
        />
      </Space>
      <CredentialTable filters={filters} showSystem />
    </>
  );
}

/**
 * A page of credentials (of one system, or filtered), with the actions the role may take: rotate with an overlap
 * (the new secret shown once), revoke with a reason, and — for the operator administrator — issue a new one.
 */
export function CredentialTable({
  systemId,
  filters = {},
  showSystem = false,
  canIssue = false,
}: {
  systemId?: string;
  filters?: CredentialFilters;
  showSystem?: boolean;
  canIssue?: boolean;
}) {
  const t = useT();
  const { message, modal } = App.useApp();
  const canChange = useCan('operator_admin', 'agency');
  const mayIssue = useCan('operator_admin') && canIssue && systemId !== undefined;
  const stateName = useStateName();
  const scope: CredentialFilters = { ...filters, ...(systemId ? { systemId } : {}) };
  const list = useServerList((request) => api.call('listCredentials', { query: request }), scope);
  // A new filter starts again from the first page.
  const key = JSON.stringify(scope);
  const { setFilters } = list;
  const applied = useRef(key);
  useEffect(() => {
    if (applied.current === key) return;
    applied.current = key;
    setFilters(JSON.parse(key) as CredentialFilters);
  }, [key, setFilters]);
  const [rotating, setRotating] = useState<Credential | null>(null);
  const [issued, setIssued] = useState<{ title: string; credential: Issued } | null>(null);
  // A refused revoke or issue stays above the table with its code until dismissed or tried again.
  const [error, setError] = useState<unknown>(null);

  const revoke = (credential: Credential) => {
    let reason = '';
    modal.confirm({
      title: t('Thu hồi khoá truy cập?', 'Revoke this credential?'),
      content: (
        <Form layout="vertical">
          <p>
            {t(
              `Khoá ${credential.consumerKey} sẽ ngừng hoạt động ngay; mọi token của nó bị từ chối.`,
              `Key ${credential.consumerKey} stops at once; its tokens are refused.`,
            )}
          </p>
          <Form.Item label={t('Lý do thu hồi', 'Reason')} htmlFor="revoke-reason">
            <Input.TextArea id="revoke-reason" maxLength={500} onChange={(e) => (reason = e.target.value)} />
          </Form.Item>
        </Form>
      ),
      okText: t('Thu hồi', 'Revoke'),
      okButtonProps: DANGER_OK,
      cancelText: t('Huỷ', 'Cancel'),
      onOk: async () => {
        setError(null);
        try {
          await api.call('revokeCredential', {
            params: { id: credential.id },
            body: reason.trim() ? { reason: reason.trim() } : {},
          });
          message.success(t('Đã thu hồi khoá', 'Credential revoked'));
          list.reload();
        } catch (err) {
          setError(err);
        }
      },
    });
  };

  const issue = async (environment: 'sandbox' | 'production') => {
    if (!systemId) return;
    setError(null);
    try {
      const credential = await api.call('issueCredential', {
        params: { id: systemId },
        body: { environment },
      });
      setIssued({ title: t('Khoá mới đã cấp', 'New credential issued'), credential });
      list.reload();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <>
      {mayIssue && (
        <Space style={{ marginBottom: 16 }}>
          <Button onClick={() => void issue('sandbox')}>
            {t('Cấp khoá sandbox', 'Issue a sandbox key')}
          </Button>
          <Button onClick={() => void issue('production')}>
            {t('Cấp khoá chính thức', 'Issue a production key')}
          </Button>
        </Space>
      )}
      <ProblemAlert error={error} onClose={() => setError(null)} />
      <SearchBox
        label={t('Tìm theo consumer key, tên hệ thống', 'Search by consumer key, system name')}
        onSearch={list.search}
      />
      <ServerTable<Credential>
        list={list}
        emptyText={t('Chưa có khoá nào', 'No credential yet')}
        columns={[
          { title: 'Consumer key', dataIndex: 'consumerKey', render: (k: string) => <code>{k}</code> },
          ...(showSystem
            ? [
                {
                  title: t('Hệ thống', 'System'),
                  dataIndex: 'systemId',
                  render: (id: string) => <RegistryName kind="system" id={id} />,
                },
              ]
            : []),
          {
            title: t('Môi trường', 'Environment'),
            dataIndex: 'environment',
            render: (e: string) => <StateTag state={e} />,
          },
          {
            title: t('Trạng thái', 'State'),
            dataIndex: 'status',
            render: (s: string) => <StateTag state={s} />,
          },
          { title: t('Cấp lúc', 'Issued'), dataIndex: 'createdAt', render: formatDateTime },
          {
            title: t('Hết hạn', 'Expires'),
            dataIndex: 'expiresAt',
            render: (v: string | null) => (v ? formatDateTime(v) : t('Không', 'Never')),
          },
          { title: t('Thu hồi lúc', 'Revoked'), dataIndex: 'revokedAt', render: formatDateTime },
          ...(canChange
            ? [
                {
                  title: t('Thao tác', 'Actions'),
                  render: (_: unknown, c: Credential) =>
                    c.status === 'active' && (
                      <Space>
                        <Button size="small" onClick={() => setRotating(c)}>
                          {t('Đổi khoá', 'Rotate')}
                        </Button>
                        <Button size="small" {...DANGER_BUTTON} onClick={() => revoke(c)}>
                          {t('Thu hồi', 'Revoke')}
                        </Button>
                      </Space>
                    ),
                },
              ]
            : []),
        ]}
      />
      {rotating && (
        <RotateWithOverlapModal
          title={t('Đổi khoá truy cập', 'Rotate the credential')}
          intro={t(
            `Một khoá mới thay cho ${rotating.consumerKey}. Khoá cũ vẫn dùng được trong thời gian chồng lấn, sau đó ngừng.`,
            `A new key replaces ${rotating.consumerKey}. The old one keeps working during the overlap, then stops.`,
          )}
          maxOverlapHours={720}
          rotate={(overlapHours) =>
            api.call('rotateCredential', { params: { id: rotating.id }, body: { overlapHours } })
          }
          onClose={(credential) => {
            setRotating(null);
            if (credential) {
              setIssued({ title: t('Khoá mới sau khi đổi', 'The rotated credential'), credential });
              list.reload();
            }
          }}
        />
      )}
      <ConsumerSecretModal
        title={issued?.title}
        secret={
          issued
            ? {
                consumerKey: issued.credential.consumerKey,
                consumerSecret: issued.credential.consumerSecret,
                environment: stateName(issued.credential.environment),
              }
            : null
        }
        onClose={() => setIssued(null)}
      />
    </>
  );
}
