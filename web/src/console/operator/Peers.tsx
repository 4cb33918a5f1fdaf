import { PlusOutlined } from '@ant-design/icons';
import { Button, Card, Col, Form, Input, Row, Select, Space, Typography } from 'antd';
import { useState } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import type { OperationBody } from '../../../../src/api/contract/operation-schemas.ts';
import { PEER_KINDS } from '../../../../src/api/contract/peers.ts';
import { api, type OperationResponse } from '../../shared/api.ts';
import { useT } from '../../shared/i18n.tsx';
import { useServerList } from '../../shared/server-list.ts';
import { StateTag, useStateOptions } from '../../shared/tags.tsx';
import { formatDateTime } from '../../shared/time.ts';
import { FilterSelect, PageTitle, ProblemAlert, SearchBox, useCan } from '../components/page.tsx';
import { ServerTable } from '../components/server-table.tsx';

type Peer = OperationResponse<'getPeer'>;
type PeerKind = (typeof PEER_KINDS)[number];
type PeerFilters = { status?: 'active' | 'suspended'; kind?: PeerKind };

/** A peer platform's kind as a person reads it. */
export function usePeerKindName(): (kind: string) => string {
  const t = useT();
  const names: Record<PeerKind, string> = {
    openlgsp: 'OpenLGSP',
    ndxp: t('NDXP (nền tảng quốc gia)', 'NDXP (national platform)'),
    wso2: t('LGSP nền WSO2', 'WSO2-based LGSP'),
    other: t('Nền tảng khác', 'Other platform'),
  };
  return (kind) => names[kind as PeerKind] ?? kind;
}

/**
 * The peer platforms (issue 12, R-15): NDXP, other provinces' and ministries' LGSPs. Read by the operator's staff;
 * registered and changed by the operator administrator only (the API refuses the others too).
 */
export function PeersList() {
  const t = useT();
  const kindName = usePeerKindName();
  const stateOptions = useStateOptions();
  const mayRegister = useCan('operator_admin');
  const navigate = useNavigate();
  const [filters, setFilters] = useState<PeerFilters>({});
  const list = useServerList((request) => api.call('listPeers', { query: request }), {} as PeerFilters);
  const change = (next: PeerFilters) => {
    setFilters(next);
    list.setFilters(next);
  };
  return (
    <>
      <PageTitle
        extra={
          <Space>
            <Link to="/federation">{t('Sổ liên thông', 'Federation ledger')}</Link>
            {mayRegister && (
              <Button type="primary" icon={<PlusOutlined />} onClick={() => navigate('/peer-registration')}>
                {t('Đăng ký nền tảng', 'Register a peer')}
              </Button>
            )}
          </Space>
        }
      >
        {t('Liên thông nền tảng', 'Federation peers')}
      </PageTitle>
      <Space wrap align="start">
        <SearchBox
          label={t('Tìm theo mã, tên, địa chỉ cổng', 'Search by code, name, gateway URL')}
          onSearch={list.search}
        />
        <FilterSelect
          label={t('Lọc theo trạng thái', 'Filter by state')}
          placeholder={t('Mọi trạng thái', 'Any state')}
          value={filters.status}
          onChange={(status) => change({ ...filters, status: status as PeerFilters['status'] })}
          options={stateOptions(['active', 'suspended'])}
        />
        <FilterSelect
          label={t('Lọc theo loại', 'Filter by kind')}
          placeholder={t('Mọi loại', 'Any kind')}
          value={filters.kind}
          onChange={(kind) => change({ ...filters, kind: kind as PeerKind | undefined })}
          options={PEER_KINDS.map((kind) => ({ value: kind, label: kindName(kind) }))}
          width={220}
        />
      </Space>
      <ServerTable<Peer>
        list={list}
        emptyText={t('Chưa đăng ký nền tảng ngang hàng nào', 'No peer platform yet')}
        columns={[
          {
            title: t('Mã', 'Code'),
            dataIndex: 'code',
            render: (code: string, p) => <Link to={`/peers/${p.id}`}>{code}</Link>,
          },
          { title: t('Tên', 'Name'), dataIndex: 'name' },
          { title: t('Loại', 'Kind'), dataIndex: 'kind', render: kindName },
          {
            title: t('Cổng kết nối', 'Gateway'),
            dataIndex: 'gatewayUrl',
            render: (url: string) => <code>{url}</code>,
          },
          {
            title: t('Trạng thái', 'State'),
            dataIndex: 'status',
            render: (s: string) => <StateTag state={s} />,
          },
          { title: t('Đăng ký lúc', 'Registered'), dataIndex: 'createdAt', render: formatDateTime },
        ]}
      />
    </>
  );
}

type PeerForm = Omit<OperationBody<'createPeer'>, 'kind'> & { kind: PeerKind };

/** Drops the fields left empty: the API takes an absent optional field, never an empty string. */
function filled<T extends object>(values: T): T {
  return Object.fromEntries(
    Object.entries(values).filter(([, v]) => v !== undefined && v !== null && String(v).trim() !== ''),
  ) as T;
}

/**
 * Registering a peer: how we reach it (gateway, token, JWKS and catalogue URLs, our client id and secret there,
 * optionally our mTLS certificate) — the secret and the key are sealed by the platform and never shown again. The
 * peer's own platform system is made with it; its page follows, to issue the credentials the peer calls us with.
 */
export function PeerRegister() {
  const t = useT();
  const kindName = usePeerKindName();
  const navigate = useNavigate();
  const [form] = Form.useForm<PeerForm>();
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (values: PeerForm) => {
    setBusy(true);
    setError(null);
    try {
      const peer = await api.call('createPeer', { body: filled(values) });
      navigate(`/peers/${peer.id}`, { state: { registered: true } });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const url = (name: keyof PeerForm, label: string, help: string, required = false) => (
    <Form.Item
      name={name}
      label={label}
      extra={<span style={{ color: 'rgba(0, 0, 0, 0.65)' }}>{help}</span>}
      rules={required ? [{ required: true, message: t('Nhập địa chỉ', 'Enter the URL') }] : []}
    >
      <Input placeholder="https://…" />
    </Form.Item>
  );

  return (
    <>
      <PageTitle extra={<Link to="/peers">{t('‹ Các nền tảng', '‹ Peers')}</Link>}>
        {t('Đăng ký nền tảng ngang hàng', 'Register a peer platform')}
      </PageTitle>
      <ProblemAlert error={error} />
      <Form<PeerForm> form={form} layout="vertical" onFinish={submit} initialValues={{ kind: 'openlgsp' }}>
        <Card title={t('Nền tảng', 'The platform')} style={{ marginBottom: 16 }}>
          <Row gutter={16}>
            <Col span={8}>
              <Form.Item
                name="code"
                label={t('Mã nền tảng', 'Platform code')}
                extra={
                  <span style={{ color: 'rgba(0, 0, 0, 0.65)' }}>
                    {t(
                      'Chữ thường; trùng với federation.code nền tảng đó tự đặt (nhãn chữ ký)',
                      'Lower case; equal to the federation.code it sets itself (its signature label)',
                    )}
                  </span>
                }
                rules={[
                  { required: true, message: t('Nhập mã', 'Enter the code') },
                  {
                    pattern: /^[a-z][a-z0-9_.-]{0,62}$/,
                    message: t('Chữ thường, số, . _ -', 'Lower-case letters, digits, . _ -'),
                  },
                ]}
              >
                <Input placeholder="lgsp-dongthap" />
              </Form.Item>
            </Col>
            <Col span={10}>
              <Form.Item
                name="name"
                label={t('Tên', 'Name')}
                rules={[{ required: true, message: t('Nhập tên', 'Enter the name') }]}
              >
                <Input />
              </Form.Item>
            </Col>
            <Col span={6}>
              <Form.Item name="kind" label={t('Loại', 'Kind')}>
                <Select options={PEER_KINDS.map((kind) => ({ value: kind, label: kindName(kind) }))} />
              </Form.Item>
            </Col>
          </Row>
          {url(
            'gatewayUrl',
            t('Địa chỉ cổng kết nối', 'Gateway URL'),
            t('Nơi ta chuyển lời gọi tới', 'Where we forward calls'),
            true,
          )}
          <Row gutter={16}>
            <Col span={8}>
              {url(
                'tokenUrl',
                t('Địa chỉ cấp token', 'Token URL'),
                t('Mặc định: cổng + /token', 'Default: gateway + /token'),
              )}
            </Col>
            <Col span={8}>
              {url(
                'jwksUrl',
                t('Địa chỉ khoá công khai (JWKS)', 'JWKS URL'),
                t('Mặc định: cổng + /.well-known/jwks.json', 'Default: gateway + /.well-known/jwks.json'),
              )}
            </Col>
            <Col span={8}>
              {url(
                'catalogueUrl',
                t('Địa chỉ danh mục công khai', 'Public catalogue URL'),
                t('OpenLGSP: <quản trị>/api/v1/public/services', 'OpenLGSP: <admin>/api/v1/public/services'),
              )}
            </Col>
          </Row>
        </Card>
        <Card
          title={t('Ta xác thực với nền tảng đó', 'How we authenticate to it')}
          style={{ marginBottom: 16 }}
        >
          <Typography.Paragraph>
            {t(
              'Consumer key và secret nền tảng đó cấp cho ta. Secret và khoá riêng được niêm phong, không bao giờ hiện lại.',
              'The consumer key and secret that platform issued us. The secret and the private key are sealed and never shown again.',
            )}
          </Typography.Paragraph>
          <Row gutter={16}>
            <Col span={12}>
              <Form.Item name="clientId" label={t('Consumer key của ta tại đó', 'Our consumer key there')}>
                <Input autoComplete="off" />
              </Form.Item>
            </Col>
            <Col span={12}>
              <Form.Item
                name="clientSecret"
                label={t('Consumer secret của ta tại đó', 'Our consumer secret there')}
              >
                <Input.Password autoComplete="new-password" />
              </Form.Item>
            </Col>
          </Row>
          <Row gutter={16}>
            <Col span={12}>
              <Form.Item
                name="clientCertificatePem"
                label={t(
                  'Chứng chỉ máy khách mTLS (PEM, không bắt buộc)',
                  'mTLS client certificate (PEM, optional)',
                )}
              >
                <Input.TextArea rows={3} placeholder="-----BEGIN CERTIFICATE-----" />
              </Form.Item>
            </Col>
            <Col span={12}>
              <Form.Item
                name="clientKeyPem"
                label={t('Khoá riêng của chứng chỉ (PEM)', "The certificate's private key (PEM)")}
              >
                <Input.TextArea rows={3} placeholder="-----BEGIN PRIVATE KEY-----" />
              </Form.Item>
            </Col>
          </Row>
        </Card>
        <Button type="primary" htmlType="submit" loading={busy}>
          {t('Đăng ký', 'Register')}
        </Button>
      </Form>
    </>
  );
}
