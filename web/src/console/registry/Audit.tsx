import { SafetyCertificateOutlined } from '@ant-design/icons';
import { Alert, Button, Form, Input, Space, Tooltip, Typography } from 'antd';
import { useState } from 'react';
import { api, type OperationResponse } from '../../shared/api.ts';
import { useT } from '../../shared/i18n.tsx';
import { formatDateTime } from '../../shared/time.ts';
import { PageTitle, ProblemAlert } from '../components/page.tsx';
import { useKeysetList } from '../components/registry-keyset.ts';
import { KeysetPager } from '../components/registry-keyset-pager.tsx';
import { ServerTable } from '../components/server-table.tsx';
import { auditActionLabel, auditObjectLabel } from './audit-labels.ts';

type AuditEvent = OperationResponse<'listAuditEvents'>['items'][number];
type ChainResult = OperationResponse<'verifyAuditChain'>;

interface AuditFilters {
  objectId?: string;
  action?: string;
  actor?: string;
  [key: string]: unknown;
}

/**
 * The audit trail: who changed what and when, newest first, and a check that its hash chain is whole —
 * an edited, removed or reordered event breaks it at the place named.
 */
export function Audit() {
  const t = useT();
  const list = useKeysetList(async (request) => {
    const page = await api.call('listAuditEvents', { query: request });
    return {
      items: page.items,
      nextCursor: 'nextCursor' in page ? (page.nextCursor as string | null) : null,
    };
  }, {} as AuditFilters);
  const [verifying, setVerifying] = useState(false);
  const [chain, setChain] = useState<ChainResult | null>(null);
  const [chainError, setChainError] = useState<unknown>(null);

  const verify = async () => {
    setVerifying(true);
    setChainError(null);
    try {
      setChain(await api.call('verifyAuditChain'));
    } catch (err) {
      setChain(null);
      setChainError(err);
    } finally {
      setVerifying(false);
    }
  };

  return (
    <>
      <PageTitle
        extra={
          <Button
            type="primary"
            icon={<SafetyCertificateOutlined />}
            loading={verifying}
            onClick={() => void verify()}
          >
            {t('Kiểm tra chuỗi nhật ký', 'Verify the audit chain')}
          </Button>
        }
      >
        {t('Nhật ký kiểm tra', 'Audit trail')}
      </PageTitle>
      <ProblemAlert error={chainError} />
      {chain?.ok === true && (
        <Alert
          type="success"
          showIcon
          style={{ marginBottom: 16 }}
          title={t(
            `Chuỗi nhật ký nguyên vẹn: ${chain.count} sự kiện đã kiểm.`,
            `The audit chain is intact: ${chain.count} events checked.`,
          )}
          description={
            chain.lastHash
              ? `${t('Mã băm cuối (ghi lại ở nơi khác)', 'Last hash (keep it elsewhere)')}: ${chain.lastHash}`
              : undefined
          }
        />
      )}
      {chain?.ok === false && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 16 }}
          title={t(
            `Chuỗi nhật ký bị hỏng tại vị trí ${chain.brokenAt.seq} (sau ${chain.count} sự kiện nguyên vẹn).`,
            `The audit chain is broken at position ${chain.brokenAt.seq} (after ${chain.count} intact events).`,
          )}
          description={`${chain.brokenAt.id || t('(mất các sự kiện mới nhất)', '(the newest events are missing)')} — ${chain.brokenAt.reason}`}
        />
      )}
      <Form
        layout="inline"
        style={{ marginBottom: 16 }}
        onFinish={(values: AuditFilters) => {
          const filters: AuditFilters = {};
          for (const key of ['objectId', 'action', 'actor'] as const) {
            const value = typeof values[key] === 'string' ? values[key].trim() : '';
            if (value) filters[key] = value;
          }
          list.setFilters(filters);
        }}
      >
        <Form.Item
          name="action"
          label={t('Hành động', 'Action')}
          extra={t('ví dụ credential.revoke', 'e.g. credential.revoke')}
        >
          <Input allowClear maxLength={100} style={{ width: 220 }} />
        </Form.Item>
        <Form.Item name="actor" label={t('Người thực hiện (mã)', 'Actor (id)')}>
          <Input allowClear maxLength={100} style={{ width: 220 }} />
        </Form.Item>
        <Form.Item name="objectId" label={t('Mã đối tượng', 'Object id')}>
          <Input allowClear maxLength={100} style={{ width: 260 }} />
        </Form.Item>
        <Form.Item>
          <Button htmlType="submit">{t('Lọc', 'Filter')}</Button>
        </Form.Item>
      </Form>
      <ServerTable<AuditEvent>
        list={list}
        emptyText={t('Chưa có sự kiện nào', 'No event yet')}
        expandable={{
          expandedRowRender: (e) => (
            <pre style={{ margin: 0, whiteSpace: 'pre-wrap' }}>{JSON.stringify(e.details, null, 2)}</pre>
          ),
        }}
        columns={[
          { title: t('Thời điểm', 'At'), dataIndex: 'at', render: formatDateTime },
          {
            title: t('Người thực hiện', 'Actor'),
            // The username a person knows (admin, syt); the id the filter takes stays in the tooltip. The platform's
            // own jobs (system:…) and SSO (oidc:…) have no username and show their actor as written.
            render: (_, e) =>
              e.actorUsername ? (
                <Tooltip title={e.actor}>
                  <span data-actor-id={e.actor}>{e.actorUsername}</span>
                </Tooltip>
              ) : (
                <code>{e.actor}</code>
              ),
          },
          {
            title: t('Hành động', 'Action'),
            dataIndex: 'action',
            // In words, with the code the filter takes beside it.
            render: (a: string, e) => {
              const label = auditActionLabel(a, e.objectType);
              return label ? (
                <Space size={4} wrap>
                  {t(...label)}
                  <Typography.Text type="secondary">
                    <code>{a}</code>
                  </Typography.Text>
                </Space>
              ) : (
                <code>{a}</code>
              );
            },
          },
          {
            title: t('Đối tượng', 'Object'),
            render: (_, e) => (
              <Space size={4}>
                {(() => {
                  const label = auditObjectLabel(e.objectType);
                  return label ? t(...label) : e.objectType;
                })()}
                <code>{e.objectId}</code>
              </Space>
            ),
          },
          { title: t('Phiên bản cấu hình', 'Config revision'), dataIndex: 'revision' },
        ]}
      />
      <KeysetPager
        page={list.page}
        hasPrevious={list.hasPrevious}
        hasNext={list.hasNext}
        onPrevious={list.previous}
        onNext={list.next}
      />
    </>
  );
}
