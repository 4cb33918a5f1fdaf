import { DownloadOutlined, UploadOutlined } from '@ant-design/icons';
import { App, Button, Card, Col, Row, Space, Table, Typography, Upload } from 'antd';
import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import type { OperationBody } from '../../../../src/api/contract/operation-schemas.ts';
import { FEDERATION_LEDGER_MAX } from '../../../../src/api/contract/peers.ts';
import { api, type OperationResponse } from '../../shared/api.ts';
import { Figure } from '../../shared/Figure.tsx';
import { useT } from '../../shared/i18n.tsx';
import { useServerList } from '../../shared/server-list.ts';
import { formatSize } from '../../shared/size.ts';
import { ColourTag } from '../../shared/tags.tsx';
import { formatDateTime } from '../../shared/time.ts';
import {
  EmptyState,
  FilterSelect,
  PageTitle,
  ProblemAlert,
  SearchBox,
  UploadHint,
  useCan,
} from '../components/page.tsx';
import { lastHours, type TimeRange, TimeRangePicker } from '../components/registry-time-range.tsx';
import { ServerTable } from '../components/server-table.tsx';
import { SignaturesTag, StatusTag } from '../registry/Transactions.tsx';

type Entry = OperationResponse<'getFederationLedger'>['items'][number];
type Result = OperationResponse<'reconcileFederation'>;
type Uploaded = OperationBody<'reconcileFederation'>['entries'];
type LedgerFilters = { from: string; to: string; direction?: 'inbound' | 'outbound' };

/** The largest ledger file read in the browser (100,000 entries fit well under it); the API has its own limit. */
const MAX_FILE_BYTES = 40 * 1024 * 1024;
const MAX_FILE_SIZE = formatSize(MAX_FILE_BYTES);
/** The API's own bound on one upload (api/contract/peers.ts). */
const MAX_ENTRIES = {
  vi: FEDERATION_LEDGER_MAX.toLocaleString('vi-VN'),
  en: FEDERATION_LEDGER_MAX.toLocaleString('en-US'),
};

/** One row of the result table: an end-to-end id and what reconciling found for it. */
interface Finding {
  key: string;
  endToEndId: string;
  finding: 'missingHere' | 'missingThere' | 'mismatched';
  field?: string;
  here?: string | number | null;
  there?: string | number | null;
}

/**
 * Reconciling across platforms (R-23, docs/federation.md §5): our federated ledger for a period, paged on the server;
 * the whole period downloaded as the JSON file the other platform uploads; and the other platform's file uploaded
 * here, matched by end-to-end id — matched, only there, only here, differing. The operator's administrators and
 * reviewers reconcile; the auditor reads the ledger and downloads it.
 */
export function FederationReconciliation() {
  const t = useT();
  const { message } = App.useApp();
  const mayReconcile = useCan('operator_admin', 'operator_reviewer');
  const [range, setRange] = useState<TimeRange>(() => lastHours(24));
  const [direction, setDirection] = useState<LedgerFilters['direction']>(undefined);
  const list = useServerList((request) => api.call('getFederationLedger', { query: request }), {
    from: range[0],
    to: range[1],
  } as LedgerFilters);
  const { setFilters } = list;
  useEffect(() => {
    setFilters({ from: range[0], to: range[1], ...(direction ? { direction } : {}) });
  }, [range, direction, setFilters]);
  const [file, setFile] = useState<{ name: string; entries: Uploaded } | null>(null);
  const [result, setResult] = useState<Result | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [downloadError, setDownloadError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  /** The whole period as the API writes it, saved by the browser under the name the API gives. */
  const download = async () => {
    setDownloadError(null);
    try {
      const ledger = await api.call('exportFederationLedger', { query: { from: range[0], to: range[1] } });
      const blob = new Blob([JSON.stringify(ledger, null, 2)], { type: 'application/json' });
      const link = document.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = `so-lien-thong-${ledger.platform}-${ledger.from.slice(0, 10)}-${ledger.to.slice(0, 10)}.json`;
      link.click();
      URL.revokeObjectURL(link.href);
    } catch (err) {
      setDownloadError(err);
    }
  };

  /**
   * Reads the other platform's file (`lgsp peers export-ledger` or this screen's download): its `items`. A file
   * refused here is said in the card's alert, where the API's refusal of the reconciliation shows (no code: it is
   * the browser that refuses it).
   */
  const choose = async (chosen: File) => {
    setError(null);
    try {
      const parsed = JSON.parse(await chosen.text()) as { items?: unknown };
      if (!Array.isArray(parsed.items)) throw new Error('items');
      if (parsed.items.length > FEDERATION_LEDGER_MAX) {
        setFile(null);
        setError(
          new Error(
            t(
              `Sổ có ${parsed.items.length.toLocaleString('vi-VN')} dòng, quá ${MAX_ENTRIES.vi} dòng một lần đối soát: chia kỳ nhỏ hơn`,
              `The ledger has ${parsed.items.length.toLocaleString('en-US')} entries, over ${MAX_ENTRIES.en} for one reconciliation: split the period`,
            ),
          ),
        );
        return;
      }
      // Only what is compared travels (the route's body limit is sized for FEDERATION_LEDGER_MAX such entries).
      const entries = (parsed.items as Uploaded).map((e) => ({
        endToEndId: e.endToEndId,
        status: e.status,
        ...(e.representedOrganizationCode !== undefined
          ? { representedOrganizationCode: e.representedOrganizationCode }
          : {}),
      }));
      setFile({ name: chosen.name, entries });
      setResult(null);
    } catch {
      setFile(null);
      setError(
        new Error(
          t(
            'Tệp không phải sổ liên thông (JSON có "items")',
            'Not a federation ledger file (JSON with "items")',
          ),
        ),
      );
    }
  };

  const reconcile = async () => {
    if (!file) return;
    setBusy(true);
    setError(null);
    try {
      setResult(
        await api.call('reconcileFederation', {
          body: { from: range[0], to: range[1], entries: file.entries },
        }),
      );
      message.success(t('Đã đối soát', 'Reconciled'));
    } catch (err) {
      setResult(null);
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const findings: Finding[] = result
    ? [
        ...result.missingHere.map((id) => ({
          key: `h:${id}`,
          endToEndId: id,
          finding: 'missingHere' as const,
        })),
        ...result.missingThere.map((id) => ({
          key: `t:${id}`,
          endToEndId: id,
          finding: 'missingThere' as const,
        })),
        ...result.mismatched.map((m) => ({
          key: `m:${m.endToEndId}:${m.field}`,
          endToEndId: m.endToEndId,
          finding: 'mismatched' as const,
          field: m.field,
          here: m.here,
          there: m.there,
        })),
      ]
    : [];
  const findingTag: Record<Finding['finding'], { color: string; text: string }> = {
    missingHere: { color: 'orange', text: t('Chỉ bên kia có', 'Only there') },
    missingThere: { color: 'gold', text: t('Chỉ ở đây có', 'Only here') },
    mismatched: { color: 'red', text: t('Lệch', 'Differs') },
  };
  const fieldName = (field?: string) =>
    field === 'status'
      ? t('Trạng thái trả bên gọi', 'Status answered')
      : field === 'representedOrganizationCode'
        ? t('Cơ quan được đại diện', 'Represented organization')
        : '—';

  return (
    <>
      <PageTitle extra={<Link to="/peers">{t('Các nền tảng ngang hàng', 'Peer platforms')}</Link>}>
        {t('Sổ liên thông và đối soát', 'Federation ledger and reconciliation')}
      </PageTitle>
      <Card title={t('Sổ liên thông của ta', 'Our federated ledger')} style={{ marginBottom: 16 }}>
        <Space wrap align="start" style={{ marginBottom: 8 }}>
          <TimeRangePicker value={range} onChange={setRange} />
          <FilterSelect
            label={t('Lọc theo chiều', 'Filter by direction')}
            placeholder={t('Cả hai chiều', 'Both directions')}
            value={direction}
            onChange={(value) => setDirection(value as LedgerFilters['direction'])}
            options={[
              { value: 'outbound', label: t('Ta gọi ra', 'Outbound') },
              { value: 'inbound', label: t('Gọi vào ta', 'Inbound') },
            ]}
          />
          <Button icon={<DownloadOutlined />} onClick={() => void download()}>
            {t('Tải sổ cả kỳ (JSON)', 'Download the period (JSON)')}
          </Button>
        </Space>
        <ProblemAlert error={downloadError} onClose={() => setDownloadError(null)} />
        <SearchBox
          label={t(
            'Tìm theo mã đầu-cuối, mã nền tảng, mã cơ quan được đại diện',
            'Search by end-to-end id, peer code, represented organization',
          )}
          onSearch={list.search}
        />
        <ServerTable<Entry>
          rowKey="transactionId"
          list={list}
          emptyText={t('Không có giao dịch liên thông trong kỳ', 'No federated call in the period')}
          columns={[
            {
              title: t('Mã đầu-cuối', 'End-to-end id'),
              dataIndex: 'endToEndId',
              render: (id: string, e) => <Link to={`/transactions/${e.transactionId}`}>{id}</Link>,
            },
            {
              title: t('Chiều', 'Direction'),
              dataIndex: 'direction',
              render: (d: string) =>
                d === 'inbound' ? t('Gọi vào ta', 'Inbound') : t('Ta gọi ra', 'Outbound'),
            },
            { title: t('Lúc', 'At'), dataIndex: 'time', render: formatDateTime },
            { title: t('Nền tảng', 'Peer'), dataIndex: 'peerCode', render: (c: string | null) => c ?? '—' },
            {
              title: t('Cơ quan được đại diện', 'Represented organization'),
              dataIndex: 'representedOrganizationCode',
              render: (c: string | null) => c ?? '—',
            },
            { title: 'HTTP', dataIndex: 'status', render: (s: number) => <StatusTag status={s} /> },
            {
              title: t('Chữ ký', 'Signatures'),
              dataIndex: 'signatures',
              render: (s: string | null) => <SignaturesTag signatures={s} />,
            },
          ]}
        />
      </Card>
      {mayReconcile && (
        <Card title={t('Đối soát với sổ của nền tảng khác', "Reconcile with another platform's ledger")}>
          <Typography.Paragraph>
            {t(
              'Tải lên tệp JSON bên kia xuất cho cùng kỳ (lgsp peers export-ledger hoặc nút "Tải sổ cả kỳ" ở bảng điều khiển của họ). So theo mã đầu-cuối: trạng thái trả bên gọi và cơ quan được đại diện.',
              'Upload the JSON file the other side exported for the same period (lgsp peers export-ledger or the "Download the period" button of their console). Matched by end-to-end id: the status answered and the represented organization.',
            )}
          </Typography.Paragraph>
          <Space wrap>
            <Upload
              accept=".json,application/json"
              maxCount={1}
              showUploadList={false}
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
                void choose(chosen);
                // Read here; nothing is sent before "Đối soát".
                return false;
              }}
            >
              <Button icon={<UploadOutlined />}>
                {t('Chọn tệp sổ (JSON)', 'Choose the ledger file (JSON)')}
              </Button>
            </Upload>
            <UploadHint>
              {t(
                `Nhận: tệp JSON (.json) có "items"; tối đa ${MAX_FILE_SIZE.vi} và ${MAX_ENTRIES.vi} dòng.`,
                `Accepted: a JSON file (.json) with "items"; ${MAX_FILE_SIZE.en} and ${MAX_ENTRIES.en} entries at most.`,
              )}
            </UploadHint>
            {file && (
              <span>
                {file.name} — {t(`${file.entries.length} dòng`, `${file.entries.length} entries`)}
              </span>
            )}
            <Button type="primary" disabled={!file} loading={busy} onClick={() => void reconcile()}>
              {t('Đối soát', 'Reconcile')}
            </Button>
          </Space>
          <div style={{ marginTop: 16 }}>
            <ProblemAlert error={error} onClose={() => setError(null)} />
          </div>
          {result && (
            <>
              <Row gutter={16} style={{ marginBottom: 16 }}>
                <Col span={6}>
                  <Figure title={t('Khớp', 'Matched')} value={result.matched} />
                </Col>
                <Col span={6}>
                  <Figure title={t('Chỉ bên kia có', 'Only there')} value={result.missingHere.length} />
                </Col>
                <Col span={6}>
                  <Figure title={t('Chỉ ở đây có', 'Only here')} value={result.missingThere.length} />
                </Col>
                <Col span={6}>
                  <Figure title={t('Lệch', 'Differing')} value={result.mismatched.length} />
                </Col>
              </Row>
              <Table<Finding>
                rowKey="key"
                size="small"
                dataSource={findings}
                pagination={{ pageSize: 20 }}
                locale={{
                  emptyText: <EmptyState text={t('Hai sổ khớp hoàn toàn', 'The two ledgers agree')} />,
                }}
                columns={[
                  {
                    title: t('Mã đầu-cuối', 'End-to-end id'),
                    dataIndex: 'endToEndId',
                    render: (id: string) => <code>{id}</code>,
                  },
                  {
                    title: t('Kết quả', 'Finding'),
                    dataIndex: 'finding',
                    render: (f: Finding['finding']) => (
                      <ColourTag color={findingTag[f].color}>{findingTag[f].text}</ColourTag>
                    ),
                  },
                  { title: t('Trường', 'Field'), dataIndex: 'field', render: fieldName },
                  {
                    title: t('Ở đây', 'Here'),
                    dataIndex: 'here',
                    render: (v?: unknown) => (v ?? '—') as string,
                  },
                  {
                    title: t('Bên kia', 'There'),
                    dataIndex: 'there',
                    render: (v?: unknown) => (v ?? '—') as string,
                  },
                ]}
              />
            </>
          )}
        </Card>
      )}
    </>
  );
}
