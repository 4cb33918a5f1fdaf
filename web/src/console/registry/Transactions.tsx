import { Button, Card, Descriptions, Form, Input, Select, Space } from 'antd';
import { useEffect, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { UNMATCHED_RESOURCE } from '../../../../src/api/contract/transactions.ts';
import { api, type OperationResponse } from '../../shared/api.ts';
import { ErrorCodeText, WithErrorMeaning } from '../../shared/error-code.tsx';
import { useT } from '../../shared/i18n.tsx';
import { platformPartyName } from '../../shared/party-name.ts';
import { useUser } from '../../shared/session.tsx';
import { useFormatSize } from '../../shared/size.ts';
import { ColourTag, StateTag } from '../../shared/tags.tsx';
import { formatDateTime } from '../../shared/time.ts';
import {
  PageTitle,
  ProblemAlert,
  READABLE_LABEL,
  READABLE_PLACEHOLDER,
  useCan,
} from '../components/page.tsx';
import { useKeysetList } from '../components/registry-keyset.ts';
import { KeysetPager } from '../components/registry-keyset-pager.tsx';
import {
  searchServices,
  searchSystems,
  TransactionParty,
  TransactionService,
} from '../components/registry-names.tsx';
import { RemoteSelect } from '../components/registry-remote-select.tsx';
import { lastHours, type TimeRange, TimeRangePicker } from '../components/registry-time-range.tsx';
import { ServerTable } from '../components/server-table.tsx';
import { OPERATOR_STAFF } from '../operator/roles.ts';

type Transaction = OperationResponse<'listTransactions'>['items'][number];

interface TransactionFilters {
  from: string;
  to: string;
  consumerSystemId?: string;
  providerSystemId?: string;
  serviceId?: string;
  status?: string;
  messageId?: string;
  kind?: string;
  [key: string]: unknown;
}

/** The status the consumer got: green below 400, orange 4xx, red 5xx. */
export function StatusTag({ status }: { status: number | null }) {
  if (status === null) return <>—</>;
  return <ColourTag color={status >= 500 ? 'red' : status >= 400 ? 'orange' : 'green'}>{status}</ColourTag>;
}

/**
 * Transactions search: by time (Vietnam time), consumer, provider, service, status and message id,
 * paged by cursor on the server. A record holds times, sizes and hashes — never a payload.
 */
export function Transactions() {
  const t = useT();
  const navigate = useNavigate();
  const user = useUser();
  const agencyOrganizationId = user.role === 'agency' ? (user.organizationId ?? '') : null;
  const [range, setRange] = useState<TimeRange>(() => lastHours(24));
  const [form] = Form.useForm<Omit<TransactionFilters, 'from' | 'to'>>();
  const list = useKeysetList((request) => api.call('listTransactions', { query: request }), {
    from: range[0],
    to: range[1],
  } as TransactionFilters);

  const apply = (values: Omit<TransactionFilters, 'from' | 'to'>, nextRange = range) => {
    const filters: TransactionFilters = { from: nextRange[0], to: nextRange[1] };
    for (const [key, value] of Object.entries(values)) {
      if (typeof value === 'string' && value.trim()) filters[key] = value.trim();
    }
    list.setFilters(filters);
  };

  return (
    <>
      <PageTitle>{t('Giao dịch', 'Transactions')}</PageTitle>
      <Card style={{ marginBottom: 16 }}>
        <Form form={form} layout="inline" onFinish={(values) => apply(values)} style={{ rowGap: 12 }}>
          <Form.Item label={t('Thời gian (giờ Việt Nam)', 'Time (Vietnam time)')}>
            <TimeRangePicker value={range} onChange={setRange} />
          </Form.Item>
          <Form.Item name="consumerSystemId" label={t('Bên khai thác', 'Consumer')}>
            <RemoteSelect search={searchSystems} placeholder={t('Mọi hệ thống', 'Any system')} />
          </Form.Item>
          <Form.Item name="providerSystemId" label={t('Bên cung cấp', 'Provider')}>
            <RemoteSelect search={searchSystems} placeholder={t('Mọi hệ thống', 'Any system')} />
          </Form.Item>
          <Form.Item name="serviceId" label={t('Dịch vụ', 'Service')}>
            <RemoteSelect search={searchServices} placeholder={t('Mọi dịch vụ', 'Any service')} />
          </Form.Item>
          <Form.Item name="status" label={t('Trạng thái', 'Status')}>
            <Select
              allowClear
              style={{ width: 170 }}
              placeholder={t('Mọi trạng thái', 'Any status')}
              styles={READABLE_PLACEHOLDER}
              options={[
                { value: 'success', label: t('Thành công (< 400)', 'Success (< 400)') },
                { value: 'error', label: t('Lỗi (≥ 400)', 'Error (≥ 400)') },
                { value: '2xx', label: '2xx' },
                { value: '4xx', label: '4xx' },
                { value: '5xx', label: '5xx' },
              ]}
            />
          </Form.Item>
          <Form.Item name="kind" label={t('Loại', 'Kind')}>
            <Select
              allowClear
              style={{ width: 200 }}
              placeholder={t('Mọi loại', 'Any kind')}
              styles={READABLE_PLACEHOLDER}
              options={[
                { value: 'service_call', label: t('Gọi dịch vụ', 'Service call') },
                { value: 'token_request', label: t('Yêu cầu cấp token', 'Token request') },
                {
                  value: 'platform_call',
                  label: t('Trạng thái và hộp thư của nền tảng', 'Platform message endpoints'),
                },
              ]}
            />
          </Form.Item>
          <Form.Item name="messageId" label={t('Mã thông điệp', 'Message id')}>
            <Input allowClear style={{ width: 220 }} maxLength={100} />
          </Form.Item>
          <Form.Item>
            <Button type="primary" htmlType="submit">
              {t('Tìm giao dịch', 'Search transactions')}
            </Button>
          </Form.Item>
        </Form>
      </Card>
      <ServerTable<Transaction>
        list={list}
        emptyText={t('Không có giao dịch nào trong khoảng này', 'No transaction in this range')}
        onRow={(record) => ({ onDoubleClick: () => navigate(`/transactions/${record.id}`) })}
        columns={[
          {
            title: t('Thời điểm nhận', 'Received'),
            dataIndex: 'requestInAt',
            render: (at: string, r) => <Link to={`/transactions/${r.id}`}>{formatDateTime(at)}</Link>,
          },
          {
            title: t('Bên khai thác', 'Consumer'),
            render: (_, r) => (
              <TransactionParty
                systemId={r.consumer.systemId}
                organizationCode={r.consumer.organizationCode}
                agencyOrganizationId={agencyOrganizationId}
              />
            ),
          },
          {
            title: t('Bên cung cấp', 'Provider'),
            render: (_, r) => (
              <TransactionParty
                systemId={r.provider.systemId}
                organizationCode={r.provider.organizationCode}
                serviceId={r.service.id}
                agencyOrganizationId={agencyOrganizationId}
              />
            ),
          },
          {
            title: t('Dịch vụ', 'Service'),
            render: (_, r) => (
              <TransactionService
                serviceId={r.service.id}
                context={r.service.context}
                version={r.service.version}
              />
            ),
          },
          {
            title: t('Yêu cầu', 'Request'),
            render: (_, r) => (
              <code>
                {r.method} <ResourceText template={r.resourceTemplate} />
              </code>
            ),
          },
          {
            title: t('Trạng thái', 'Status'),
            dataIndex: 'consumerStatus',
            // The status alone said 404 but not why: the record's error code and its meaning on hover.
            render: (s: number, r) => (
              <WithErrorMeaning code={r.errorCode}>
                <StatusTag status={s} />
              </WithErrorMeaning>
            ),
          },
          {
            title: t('Thời gian xử lý', 'Duration'),
            dataIndex: 'durationMs',
            render: (ms: number) => `${ms} ms`,
          },
          {
            title: t('Môi trường', 'Environment'),
            dataIndex: 'environment',
            render: (e: string | null) => <StateTag state={e} />,
          },
          { title: t('Chặng', 'Leg'), dataIndex: 'leg', render: (leg: string) => <LegText leg={leg} /> },
          { title: t('Loại', 'Kind'), dataIndex: 'kind', render: (k: string) => <KindText kind={k} /> },
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

/** A record's kind (a `/token` request and one to `/_lgsp/…` are kept apart from service calls). */
function KindText({ kind }: { kind: string }) {
  const t = useT();
  if (kind === 'token_request') return t('Yêu cầu cấp token', 'Token request');
  if (kind === 'platform_call') return t('Trạng thái và hộp thư của nền tảng', 'Platform message endpoints');
  return t('Gọi dịch vụ', 'Service call');
}

const LEGS: Record<string, { vi: string; en: string }> = {
  sync: { vi: 'Đồng bộ', en: 'Sync' },
  intake: { vi: 'Nhận thông điệp (nguồn → LGSP)', en: 'Intake (source → LGSP)' },
  delivery: { vi: 'Chuyển thông điệp (LGSP → đích)', en: 'Delivery (LGSP → destination)' },
  ack: { vi: 'Đích xác nhận', en: 'Acknowledged' },
};

/** A record's leg (api/contract/transactions.ts TRANSACTION_LEGS) as a person reads it, not its enum value. */
function LegText({ leg }: { leg: string }) {
  const t = useT();
  const known = LEGS[leg];
  return <>{known ? t(known.vi, known.en) : leg}</>;
}

/** One transaction: both legs' four timestamps, sizes and hashes, statuses and the parties — never a payload. */
export function TransactionDetail() {
  const t = useT();
  const { id = '' } = useParams();
  const [record, setRecord] = useState<OperationResponse<'getTransaction'> | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    api
      .call('getTransaction', { params: { id } })
      .then((r) => live && setRecord(r))
      .catch((err) => live && setError(err));
    return () => {
      live = false;
    };
  }, [id]);

  const size = useFormatSize();
  // The platform's own parties (its sandbox tester) read in the reader's language, not their stored Vietnamese name.
  const party = (name: string | null, system: string | null, code: string | null) =>
    [platformPartyName('system', code, t) ?? name, code && `(${code})`].filter(Boolean).join(' ') ||
    system ||
    '—';

  return (
    <>
      <PageTitle extra={<Link to="/transactions">{t('‹ Danh sách giao dịch', '‹ Transactions')}</Link>}>
        {t('Giao dịch', 'Transaction')} <code style={{ fontSize: 16 }}>{id}</code>
      </PageTitle>
      <ProblemAlert error={error} />
      {record && (
        <Space orientation="vertical" size="large" style={{ width: '100%' }}>
          <Descriptions
            styles={READABLE_LABEL}
            bordered
            size="small"
            column={2}
            title={t('Các bên', 'Parties')}
            items={[
              {
                key: 'consumer',
                label: t('Bên khai thác', 'Consumer'),
                children: party(
                  record.names.consumerSystem,
                  record.consumer.systemId,
                  record.consumer.organizationCode,
                ),
              },
              {
                key: 'provider',
                label: t('Bên cung cấp', 'Provider'),
                children: party(
                  record.names.providerSystem,
                  record.provider.systemId,
                  record.provider.organizationCode,
                ),
              },
              {
                key: 'service',
                label: t('Dịch vụ', 'Service'),
                children:
                  [
                    record.names.service,
                    record.service.context && `${record.service.context}/${record.service.version ?? ''}`,
                  ]
                    .filter(Boolean)
                    .join(' · ') || '—',
              },
              {
                key: 'env',
                label: t('Môi trường', 'Environment'),
                children: <StateTag state={record.environment} />,
              },
              {
                key: 'request',
                label: t('Yêu cầu', 'Request'),
                children: (
                  <code>
                    {record.method} <ResourceText template={record.resourceTemplate} />
                  </code>
                ),
              },
              { key: 'leg', label: t('Chặng', 'Leg'), children: <LegText leg={record.leg} /> },
              { key: 'kind', label: t('Loại', 'Kind'), children: <KindText kind={record.kind} /> },
              { key: 'message', label: t('Mã thông điệp', 'Message id'), children: record.messageId ?? '—' },
              {
                key: 'client',
                label: t('Địa chỉ bên gọi', 'Caller address'),
                children: record.clientAddress ?? '—',
              },
              {
                key: 'credential',
                label: t('Khoá truy cập', 'Credential'),
                children: record.consumer.credentialId ?? '—',
              },
              {
                key: 'error',
                label: t('Mã lỗi', 'Error code'),
                children: <ErrorCodeText code={record.errorCode} />,
              },
            ]}
          />
          {record.federation && <FederationBlock federation={record.federation} />}
          <Descriptions
            styles={READABLE_LABEL}
            bordered
            size="small"
            column={2}
            title={t('Chặng bên khai thác ↔ LGSP', 'Consumer ↔ LGSP leg')}
            items={[
              {
                key: 'in',
                label: t('LGSP nhận yêu cầu', 'Request received'),
                children: <Precise at={record.requestInAt} />,
              },
              {
                key: 'out',
                label: t('LGSP trả kết quả', 'Response sent'),
                children: <Precise at={record.responseOutAt} />,
              },
              {
                key: 'status',
                label: t('Trạng thái trả bên khai thác', 'Status to consumer'),
                children: <StatusTag status={record.consumerStatus} />,
              },
              {
                key: 'duration',
                label: t('Tổng thời gian', 'Total duration'),
                children: `${record.durationMs} ms`,
              },
              {
                key: 'reqBytes',
                label: t('Kích thước yêu cầu', 'Request size'),
                children: size(record.requestBytes, { exact: true }),
              },
              {
                key: 'reqHash',
                label: t('SHA-256 yêu cầu', 'Request SHA-256'),
                children: <Hash value={record.requestSha256} />,
              },
            ]}
          />
          <Descriptions
            styles={READABLE_LABEL}
            bordered
            size="small"
            column={2}
            title={t('Chặng LGSP ↔ bên cung cấp', 'LGSP ↔ provider leg')}
            items={[
              {
                key: 'out',
                label: t('LGSP chuyển yêu cầu', 'Request forwarded'),
                children: <Precise at={record.requestOutAt} />,
              },
              {
                key: 'in',
                label: t('Bên cung cấp trả lời', 'Provider answered'),
                children: <Precise at={record.responseInAt} />,
              },
              {
                key: 'status',
                label: t('Trạng thái từ bên cung cấp', 'Status from provider'),
                children: <StatusTag status={record.providerStatus} />,
              },
              {
                key: 'resBytes',
                label: t('Kích thước trả lời', 'Response size'),
                children: size(record.responseBytes, { exact: true }),
              },
              {
                key: 'resHash',
                label: t('SHA-256 trả lời', 'Response SHA-256'),
                children: <Hash value={record.responseSha256} />,
              },
            ]}
          />
          <Card size="small">
            {t(
              'LGSP không lưu nội dung (payload) của giao dịch; chỉ lưu thời điểm, kích thước và mã băm để đối soát (R-02).',
              'The LGSP keeps no payload of a transaction; only times, sizes and hashes, for reconciliation (R-02).',
            )}
          </Card>
        </Space>
      )}
    </>
  );
}

const SIGNATURES: Record<string, { color: string; vi: string; en: string }> = {
  verified: { color: 'green', vi: 'Đã kiểm tra, hợp lệ', en: 'Verified' },
  refused: { color: 'red', vi: 'Bị từ chối', en: 'Refused' },
  signed: { color: 'blue', vi: 'Ta đã ký khi chuyển đi', en: 'Signed by us' },
};

/** The outcome of a federated call's RFC 9421 signatures, named once for the record and the ledger. */
export function SignaturesTag({ signatures }: { signatures: string | null }) {
  const t = useT();
  if (!signatures) return <>—</>;
  const known = SIGNATURES[signatures];
  return (
    <ColourTag color={known?.color ?? 'default'}>{known ? t(known.vi, known.en) : signatures}</ColourTag>
  );
}

/**
 * What a federated call's record says (issue 12, docs/federation.md §3–4): the represented party, the end-to-end
 * id shared by every platform of the path, and the RFC 9421 hop chain with each signature's verification.
 */
function FederationBlock({
  federation,
}: {
  federation: NonNullable<OperationResponse<'getTransaction'>['federation']>;
}) {
  const t = useT();
  const readsPeers = useCan(...OPERATOR_STAFF);
  const evidence = federation.evidence;
  return (
    <Descriptions
      styles={READABLE_LABEL}
      bordered
      size="small"
      column={2}
      title={t('Liên thông nền tảng', 'Federation')}
      items={[
        {
          key: 'represented',
          label: t('Cơ quan được đại diện', 'Represented organization'),
          children: federation.representedOrganizationCode ?? '—',
        },
        {
          key: 'representedSystem',
          label: t('Hệ thống khai thác gốc', 'Original consumer system'),
          children: federation.representedSystem ?? '—',
        },
        {
          key: 'e2e',
          label: t('Mã giao dịch đầu-cuối', 'End-to-end id'),
          children: federation.endToEndId ? <code>{federation.endToEndId}</code> : '—',
        },
        {
          key: 'direction',
          label: t('Chiều', 'Direction'),
          children: evidence
            ? evidence.direction === 'inbound'
              ? t('Nền tảng khác gọi vào ta', 'A peer called us')
              : t('Ta gọi ra nền tảng khác', 'We called a peer')
            : '—',
        },
        {
          key: 'signatures',
          label: t('Chữ ký (RFC 9421)', 'Signatures (RFC 9421)'),
          children: <SignaturesTag signatures={evidence?.signatures ?? null} />,
        },
        {
          key: 'peer',
          label: t('Nền tảng ngang hàng', 'Peer platform'),
          // Peers are the operator's registry: agency users read the id, the operator's staff open the peer.
          children: federation.peerId ? (
            readsPeers ? (
              <Link to={`/peers/${federation.peerId}`}>{federation.peerId}</Link>
            ) : (
              federation.peerId
            )
          ) : (
            '—'
          ),
        },
        {
          key: 'trace',
          label: 'Trace id',
          children: evidence?.traceId ? <code>{evidence.traceId}</code> : '—',
        },
        {
          key: 'hops',
          label: t('Chuỗi chặng', 'Hop chain'),
          span: 2,
          children: evidence?.hops.length ? (
            <ol style={{ margin: 0, paddingLeft: 20 }} aria-label={t('Chuỗi chặng', 'Hop chain')}>
              {evidence.hops.map((hop, i) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: a recorded chain never reorders; a forged one may repeat a label
                <li key={`${hop.label}-${i}`}>
                  <code>{hop.label}</code>{' '}
                  {hop.verified === true ? (
                    <ColourTag color="green">✓ {t('đã kiểm tra', 'verified')}</ColourTag>
                  ) : hop.verified === false ? (
                    <ColourTag color="red">✗ {t('không hợp lệ', 'invalid')}</ColourTag>
                  ) : (
                    <ColourTag color="default">{t('chưa kiểm tra', 'not checked')}</ColourTag>
                  )}
                  {hop.keyId && <span> kid {hop.keyId}</span>}
                  {hop.reason && <span> — {hop.reason}</span>}
                </li>
              ))}
            </ol>
          ) : (
            '—'
          ),
        },
        {
          key: 'hash',
          label: t('Băm yêu cầu', 'Request hash'),
          span: 2,
          children: (
            <>
              <Hash value={evidence?.requestHash ?? null} />
              {evidence?.answerBound === true && (
                <ColourTag color="green">{t('câu trả lời mang đúng băm', 'answer bound')}</ColourTag>
              )}
            </>
          ),
        },
      ]}
    />
  );
}

/** A leg's instant in Vietnam time, with its seconds and milliseconds (the legs are milliseconds apart). */
function Precise({ at }: { at: string | null }) {
  if (!at) return <>—</>;
  const ms = new Date(at).getTime();
  const seconds = new Date(ms).getUTCSeconds().toString().padStart(2, '0');
  const millis = new Date(ms).getUTCMilliseconds().toString().padStart(3, '0');
  return (
    <>
      {formatDateTime(at)}:{seconds}.{millis}
    </>
  );
}

function Hash({ value }: { value: string | null }) {
  return value ? <code style={{ wordBreak: 'break-all' }}>{value}</code> : <>—</>;
}

/**
 * A call that matched none of the version's resources is recorded with the gateway's bilingual mark
 * (`UNMATCHED_RESOURCE`): the screen says it in the reader's language, not both at once.
 */
function ResourceText({ template }: { template: string }) {
  const t = useT();
  return template === UNMATCHED_RESOURCE
    ? t('(không khớp tài nguyên nào)', '(no resource matched)')
    : template;
}
