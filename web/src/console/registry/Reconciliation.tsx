import { DownloadOutlined, UploadOutlined } from '@ant-design/icons';
import {
  App,
  Button,
  Card,
  Checkbox,
  Col,
  Form,
  InputNumber,
  Row,
  Select,
  Table,
  Tabs,
  Typography,
  Upload,
} from 'antd';
import { useRef, useState } from 'react';
import type { OperationBody } from '../../../../src/api/contract/operation-schemas.ts';
import {
  RECONCILIATION_FILE_MAX_BYTES,
  RECONCILIATION_FILE_MAX_LINES,
} from '../../../../src/api/contract/reconciliations.ts';
import { NO_SERVICE_GROUPS } from '../../../../src/api/contract/reports.ts';
import { api, type OperationResponse } from '../../shared/api.ts';
import { Figure } from '../../shared/Figure.tsx';
import { useT } from '../../shared/i18n.tsx';
import { formatSize } from '../../shared/size.ts';
import { formatDateTime } from '../../shared/time.ts';
import { PageTitle, ProblemAlert, UploadHint } from '../components/page.tsx';
import { searchSystems } from '../components/registry-names.tsx';
import { RemoteSelect } from '../components/registry-remote-select.tsx';
import { lastHours, type TimeRange, TimeRangePicker } from '../components/registry-time-range.tsx';
import { StatusTag } from './Transactions.tsx';

type Result = Exclude<OperationResponse<'reconcileTransactions'>, Uint8Array>;
type PlatformEntry = Result['missingOnParty'][number];
type PartyEntry = Result['missingOnPlatform'][number];

/** The party's file as the API bounds it (api/contract/reconciliations.ts), checked before it is sent. */
const MAX_FILE_BYTES = RECONCILIATION_FILE_MAX_BYTES;
const MAX_FILE_SIZE = formatSize(MAX_FILE_BYTES);
const MAX_LINES = {
  vi: RECONCILIATION_FILE_MAX_LINES.toLocaleString('vi-VN'),
  en: RECONCILIATION_FILE_MAX_LINES.toLocaleString('en-US'),
};

interface ReconcileForm {
  systemId: string;
  role: 'consumer' | 'provider' | 'any';
  toleranceSeconds?: number;
  /** The API's includeTokenRequests (a query parameter): the party's service calls only unless ticked. */
  includeTokenRequests?: boolean;
}

/** What was asked besides the file: the JSON body's fields but `csv`, sent as form fields. */
type Asked = Omit<OperationBody<'reconcileTransactions'>, 'csv'>;

/** One reconciliation as asked: the file, its fields, and whether the party's /token requests are reconciled too. */
interface Question {
  fields: Asked;
  file: File;
  includeTokenRequests: boolean;
}

/**
 * The party's file as it was chosen, sent as `multipart/form-data` (the file in `file`, the rest as form fields;
 * src/api/form-data.ts) — never read into a JSON string in the browser first (issue 11).
 */
function reconcileUpload({ fields, file, includeTokenRequests }: Question, format: 'json' | 'csv') {
  const form = new FormData();
  for (const [name, value] of Object.entries(fields)) {
    if (value !== undefined && value !== null) form.append(name, String(value));
  }
  form.append('file', file, file.name);
  // Sent only when ticked, as the statistics' switches: the API's default (false) is the query without it.
  return api.upload('reconcileTransactions', {
    form,
    query: { format, ...(includeTokenRequests ? { includeTokenRequests: true } : {}) },
  });
}

/**
 * Reconciliation: a party's CSV file of its transactions for a period, matched against the platform's
 * records: matched, only on the platform ("only ours"), only in the file ("only theirs"), status differences.
 */
export function Reconciliation() {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<ReconcileForm>();
  const [range, setRange] = useState<TimeRange>(() => lastHours(24));
  const [file, setFile] = useState<File | null>(null);
  const [result, setResult] = useState<Result | null>(null);
  const [asked, setAsked] = useState<Question | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  // Each run's number: a run started later (a switch ticked again while one ran) is the only one shown.
  const runs = useRef(0);

  const run = async (values: ReconcileForm) => {
    if (!file) {
      // Said where the API's refusal of the reconciliation shows, and kept there (no code: nothing was sent).
      setError(new Error(t('Chọn tệp CSV của bên đối soát', "Choose the party's CSV file")));
      return;
    }
    const mine = ++runs.current;
    setBusy(true);
    setError(null);
    try {
      const fields: Asked = {
        systemId: values.systemId,
        role: values.role,
        from: range[0],
        to: range[1],
        ...(values.toleranceSeconds !== undefined && values.toleranceSeconds !== null
          ? { toleranceSeconds: values.toleranceSeconds }
          : {}),
      };
      const question: Question = { fields, file, includeTokenRequests: values.includeTokenRequests === true };
      const answer = await reconcileUpload(question, 'json');
      if (mine !== runs.current) return;
      if (answer instanceof Uint8Array) throw new Error('reconcileTransactions: JSON expected');
      setResult(answer);
      // The download asks again exactly this: the differences it saves are the ones shown.
      setAsked(question);
      message.success(t('Đã đối soát', 'Reconciled'));
    } catch (err) {
      if (mine !== runs.current) return;
      setResult(null);
      setError(err);
    } finally {
      if (mine === runs.current) setBusy(false);
    }
  };

  /**
   * The scope switch reads as a filter of the result shown, so it acts as one: ticked or unticked while a result is
   * on screen, the reconciliation runs again at once (the form as it stands, as "Đối soát" would) — it used to wait
   * for the next click, under a result that still said the other scope. Before any result it is a field like the
   * others.
   */
  const valuesChanged = (changed: Partial<ReconcileForm>) => {
    if ('includeTokenRequests' in changed && result !== null) form.submit();
  };

  /** The differences as the API writes them in CSV, saved by the browser: the same question as the result shown. */
  const download = async () => {
    if (!asked) return;
    setError(null);
    try {
      const bytes = await reconcileUpload(asked, 'csv');
      const text = bytes instanceof Uint8Array ? new Uint8Array(bytes) : new TextEncoder().encode('');
      const blob = new Blob([text], { type: 'text/csv;charset=utf-8' });
      const link = document.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = 'doi-soat-chenh-lech.csv';
      link.click();
      URL.revokeObjectURL(link.href);
    } catch (err) {
      setError(err);
    }
  };

  // A token request has no service: it is named as the statistics name it, in the reader's language.
  const serviceOf = (p: PlatformEntry): string =>
    p.kind === 'token_request'
      ? t(NO_SERVICE_GROUPS.token_request.vi, NO_SERVICE_GROUPS.token_request.en)
      : (p.service ?? '—');
  const platformColumns = [
    { title: t('Mã giao dịch', 'Transaction'), dataIndex: 'id', render: (id: string) => <code>{id}</code> },
    { title: t('Thời điểm', 'Time'), dataIndex: 'time', render: formatDateTime },
    { title: t('Dịch vụ', 'Service'), render: (_: unknown, p: PlatformEntry) => serviceOf(p) },
    {
      title: t('Phía', 'Side'),
      dataIndex: 'side',
      render: (side: string) =>
        side === 'consumer'
          ? t('Bên khai thác', 'Consumer')
          : side === 'provider'
            ? t('Bên cung cấp', 'Provider')
            : side,
    },
    {
      title: t('Trạng thái', 'Status'),
      dataIndex: 'status',
      render: (s: number | null) => <StatusTag status={s} />,
    },
  ];
  const partyColumns = [
    { title: t('Dòng', 'Line'), dataIndex: 'line' },
    {
      title: t('Mã giao dịch', 'Transaction'),
      dataIndex: 'transactionId',
      render: (id?: string) => (id ? <code>{id}</code> : '—'),
    },
    { title: t('Thời điểm', 'Time'), dataIndex: 'time', render: (v?: string) => formatDateTime(v) },
    { title: t('Dịch vụ', 'Service'), dataIndex: 'service', render: (s?: string) => s ?? '—' },
    {
      title: t('Trạng thái', 'Status'),
      dataIndex: 'status',
      render: (s: number | null) => <StatusTag status={s} />,
    },
  ];

  return (
    <>
      <PageTitle>{t('Đối soát giao dịch', 'Reconciliation')}</PageTitle>
      <Card style={{ marginBottom: 16 }}>
        <Typography.Paragraph>
          {t(
            'Tệp CSV (UTF-8) của bên đối soát, một giao dịch mỗi dòng: ma_giao_dich[,trang_thai] hoặc thoi_gian,dich_vu[,trang_thai].',
            "The party's CSV file (UTF-8), one transaction a line: ma_giao_dich[,trang_thai] or thoi_gian,dich_vu[,trang_thai].",
          )}
        </Typography.Paragraph>
        <Form<ReconcileForm>
          form={form}
          layout="vertical"
          onFinish={run}
          onValuesChange={valuesChanged}
          initialValues={{ role: 'any' }}
        >
          <Row gutter={16}>
            <Col span={8}>
              <Form.Item
                name="systemId"
                label={t('Hệ thống đối soát', 'System reconciled')}
                rules={[{ required: true, message: t('Chọn hệ thống', 'Choose the system') }]}
              >
                <RemoteSelect search={searchSystems} />
              </Form.Item>
            </Col>
            <Col span={6}>
              <Form.Item name="role" label={t('Phía', 'Side')}>
                <Select
                  options={[
                    { value: 'any', label: t('Cả hai phía', 'Either side') },
                    { value: 'consumer', label: t('Bên khai thác', 'Consumer') },
                    { value: 'provider', label: t('Bên cung cấp', 'Provider') },
                  ]}
                />
              </Form.Item>
            </Col>
            <Col span={4}>
              <Form.Item name="toleranceSeconds" label={t('Độ lệch thời gian (giây)', 'Time tolerance (s)')}>
                <InputNumber min={0} max={300} placeholder="2" style={{ width: '100%' }} />
              </Form.Item>
            </Col>
          </Row>
          <Form.Item label={t('Thời gian (giờ Việt Nam)', 'Time (Vietnam time)')}>
            <TimeRangePicker value={range} onChange={setRange} />
          </Form.Item>
          <Form.Item name="includeTokenRequests" valuePropName="checked">
            <Checkbox>
              {t('Đối soát cả yêu cầu cấp token (/token)', 'Also reconcile token requests (/token)')}
            </Checkbox>
          </Form.Item>
          <Form.Item label={t('Tệp CSV của bên đối soát', "The party's CSV file")}>
            <Upload
              accept=".csv,text/csv"
              maxCount={1}
              beforeUpload={(chosen) => {
                if (chosen.size > MAX_FILE_BYTES) {
                  setError(
                    new Error(
                      t(
                        `Tệp quá lớn (tối đa ${MAX_FILE_SIZE.vi})`,
                        `File too large (${MAX_FILE_SIZE.en} at most)`,
                      ),
                    ),
                  );
                  return Upload.LIST_IGNORE;
                }
                setError(null);
                setFile(chosen);
                // Read here and sent with the other fields; nothing is uploaded before "Đối soát".
                return false;
              }}
              onRemove={() => setFile(null)}
            >
              <Button icon={<UploadOutlined />}>{t('Chọn tệp CSV', 'Choose a CSV file')}</Button>
            </Upload>
            <UploadHint>
              {t(
                `Nhận: tệp CSV (.csv), UTF-8, dòng đầu là tên cột; tối đa ${MAX_FILE_SIZE.vi} và ${MAX_LINES.vi} dòng.`,
                `Accepted: a CSV file (.csv), UTF-8, column names on the first line; ${MAX_FILE_SIZE.en} and ${MAX_LINES.en} lines at most.`,
              )}
            </UploadHint>
          </Form.Item>
          <Button type="primary" htmlType="submit" loading={busy}>
            {t('Đối soát', 'Reconcile')}
          </Button>
        </Form>
      </Card>
      <ProblemAlert error={error} onClose={() => setError(null)} />
      {result && (
        <Card
          title={t(
            `Kết quả ${formatDateTime(result.from)} – ${formatDateTime(result.to)}`,
            `Result ${formatDateTime(result.from)} – ${formatDateTime(result.to)}`,
          )}
          extra={
            <Button icon={<DownloadOutlined />} onClick={() => void download()}>
              {t('Tải chênh lệch (CSV)', 'Download differences (CSV)')}
            </Button>
          }
        >
          <Typography.Paragraph type="secondary">
            {result.includeTokenRequests
              ? t(
                  'Phạm vi đối soát: lời gọi dịch vụ và yêu cầu cấp token (/token)',
                  'Reconciled: service calls and token requests (/token)',
                )
              : t('Phạm vi đối soát: lời gọi dịch vụ', 'Reconciled: service calls')}
          </Typography.Paragraph>
          <Row gutter={16} style={{ marginBottom: 16 }}>
            <Col span={6}>
              <Figure title={t('Khớp', 'Matched')} value={result.counts.matched} />
            </Col>
            <Col span={6}>
              <Figure title={t('Chỉ có ở LGSP', 'Only ours (LGSP)')} value={result.counts.missingOnParty} />
            </Col>
            <Col span={6}>
              <Figure
                title={t('Chỉ có ở bên đối soát', 'Only theirs')}
                value={result.counts.missingOnPlatform}
              />
            </Col>
            <Col span={6}>
              <Figure title={t('Lệch trạng thái', 'Status differs')} value={result.counts.statusMismatch} />
            </Col>
          </Row>
          <Tabs
            items={[
              {
                key: 'ours',
                label: t(
                  `Chỉ có ở LGSP (${result.counts.missingOnParty})`,
                  `Only ours (${result.counts.missingOnParty})`,
                ),
                children: (
                  <Table<PlatformEntry>
                    rowKey="id"
                    size="small"
                    dataSource={result.missingOnParty}
                    columns={platformColumns}
                  />
                ),
              },
              {
                key: 'theirs',
                label: t(
                  `Chỉ có ở bên đối soát (${result.counts.missingOnPlatform})`,
                  `Only theirs (${result.counts.missingOnPlatform})`,
                ),
                children: (
                  <Table<PartyEntry>
                    rowKey="line"
                    size="small"
                    dataSource={result.missingOnPlatform}
                    columns={partyColumns}
                  />
                ),
              },
              {
                key: 'status',
                label: t(
                  `Lệch trạng thái (${result.counts.statusMismatch})`,
                  `Status differs (${result.counts.statusMismatch})`,
                ),
                children: (
                  <Table
                    rowKey={(p) => p.platform.id}
                    size="small"
                    dataSource={result.statusMismatch}
                    columns={[
                      {
                        title: t('Mã giao dịch', 'Transaction'),
                        render: (_, p) => <code>{p.platform.id}</code>,
                      },
                      { title: t('Dòng', 'Line'), render: (_, p) => p.party.line },
                      { title: t('Dịch vụ', 'Service'), render: (_, p) => serviceOf(p.platform) },
                      { title: 'LGSP', render: (_, p) => <StatusTag status={p.platform.status} /> },
                      {
                        title: t('Bên đối soát', 'Party'),
                        render: (_, p) => <StatusTag status={p.party.status} />,
                      },
                    ]}
                  />
                ),
              },
            ]}
          />
        </Card>
      )}
    </>
  );
}
