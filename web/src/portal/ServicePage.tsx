import { Alert, Button, Card, Descriptions, Space, Spin, Table, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api, type OperationResponse, problemText } from '../shared/api.ts';
import { useBranding } from '../shared/branding.tsx';
import { useT } from '../shared/i18n.tsx';
import { usePartyName } from '../shared/party-name.ts';
import { R11_ITEMS, R11_KEYS } from '../shared/r11.ts';
import { useTableScroll } from '../shared/table-scroll.ts';
import { ColourTag } from '../shared/tags.tsx';
import { formatDate, formatDateTime } from '../shared/time.ts';
import { versionState } from '../shared/version-state.ts';

type PublicService = OperationResponse<'getPublicService'>;

/** One published service: its R-11 description, provider and contact point, versions and their documents. */
export function ServicePage() {
  const t = useT();
  const partyName = usePartyName();
  const scroll = useTableScroll();
  const { id = '' } = useParams();
  // A developer copies the address to call: the whole URL, on the gateway, not a path to guess the host of.
  const gatewayUrl = useBranding().gatewayUrl;
  const [service, setService] = useState<PublicService | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    api.call('getPublicService', { auth: false, params: { id } }).then(setService).catch(setError);
  }, [id]);

  if (error) return <Alert type="error" showIcon title={problemText(error, t)} />;
  if (!service) return <Spin />;
  const contact = service.provider.contact;
  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="large">
      <Link to="/portal">← {t('Danh mục dịch vụ', 'Service catalogue')}</Link>
      <Typography.Title level={1} style={{ fontSize: 26 }}>
        {service.name}
      </Typography.Title>
      {service.decommissionAt ? (
        <Alert
          type="warning"
          showIcon
          title={t(
            `Dịch vụ sẽ ngừng cung cấp từ ${formatDateTime(service.decommissionAt)}`,
            `The service will be withdrawn on ${formatDateTime(service.decommissionAt)}`,
          )}
        />
      ) : null}
      <Descriptions bordered column={1} size="small">
        <Descriptions.Item label={t('Đường dẫn trên cổng kết nối', 'Gateway context')}>
          <Typography.Text code>/{service.context}</Typography.Text>
        </Descriptions.Item>
        <Descriptions.Item label={t('Cơ quan cung cấp', 'Provider')}>
          {partyName('organization', service.provider.organizationCode, service.provider.organizationName)} (
          {service.provider.organizationCode}) —{' '}
          {partyName('system', service.provider.organizationCode, service.provider.systemName)}
        </Descriptions.Item>
        <Descriptions.Item label={t('Đầu mối liên hệ', 'Contact point')}>
          {contact
            ? [contact.name, contact.title, contact.unit, contact.phone, contact.email]
                .filter(Boolean)
                .join(' · ')
            : '—'}
        </Descriptions.Item>
      </Descriptions>

      <Card title={t('Các phiên bản', 'Versions')}>
        <Table
          rowKey="id"
          pagination={false}
          scroll={scroll}
          dataSource={service.versions}
          columns={[
            { title: t('Phiên bản', 'Version'), dataIndex: 'version' },
            { title: t('Giao thức', 'Protocol'), dataIndex: 'protocol' },
            {
              title: t('Trạng thái', 'State'),
              dataIndex: 'status',
              render: (status: string) => {
                const state = versionState(status);
                return <ColourTag color={state.color}>{t(state.vi, state.en)}</ColourTag>;
              },
            },
            {
              title: t('Địa chỉ gọi', 'Call at'),
              dataIndex: 'path',
              render: (path: string) => (
                <Typography.Text code copyable>
                  {`${gatewayUrl}${path}`}
                </Typography.Text>
              ),
            },
            {
              title: t('Ngừng hỗ trợ', 'Sunset'),
              dataIndex: 'sunsetAt',
              render: (value: string | null) => formatDate(value),
            },
            {
              title: t('Tài liệu API', 'API documentation'),
              key: 'docs',
              render: (_: unknown, version: PublicService['versions'][number]) =>
                version.documentType ? (
                  <Link to={`/portal/versions/${encodeURIComponent(version.id)}/docs`}>
                    <Button size="small">{t('Xem tài liệu API', 'Open API docs')}</Button>
                  </Link>
                ) : (
                  t('Chưa có', 'None yet')
                ),
            },
          ]}
        />
      </Card>

      <Card
        title={t(
          'Mô tả kỹ thuật (Điều 24 Nghị định 47/2020)',
          'Technical description (Decree 47/2020 Art. 24)',
        )}
      >
        <Descriptions bordered column={1} size="small">
          {R11_KEYS.map((key) => (
            <Descriptions.Item key={key} label={t(R11_ITEMS[key].vi, R11_ITEMS[key].en)}>
              <Typography.Paragraph style={{ whiteSpace: 'pre-wrap', margin: 0 }}>
                {service.description[key] || '—'}
              </Typography.Paragraph>
            </Descriptions.Item>
          ))}
        </Descriptions>
      </Card>
    </Space>
  );
}
