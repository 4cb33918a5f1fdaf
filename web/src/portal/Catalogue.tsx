import { Alert, Card, Input, List, Space, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { api, type OperationResponse, problemText } from '../shared/api.ts';
import { useT } from '../shared/i18n.tsx';
import { formatDate } from '../shared/time.ts';

type PublicService = OperationResponse<'listPublicServices'>['items'][number];

/** The catalogue of published services, searchable, each with its provider and versions. */
export function Catalogue() {
  const t = useT();
  const [services, setServices] = useState<PublicService[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(true);
  const [q, setQ] = useState('');

  useEffect(() => {
    setLoading(true);
    api
      .call('listPublicServices', { auth: false, ...(q ? { query: { q } } : {}) } as never)
      .then((answer) => {
        setServices((answer as { items: PublicService[] }).items);
        setError(null);
      })
      .catch((err) => setError(problemText(err, t)))
      .finally(() => setLoading(false));
  }, [q, t]);

  return (
    <Space direction="vertical" style={{ width: '100%' }} size="large">
      <Typography.Title level={1} style={{ fontSize: 26 }}>
        {t('Danh mục dịch vụ chia sẻ dữ liệu', 'Data-sharing service catalogue')}
      </Typography.Title>
      <Input.Search
        aria-label={t('Tìm dịch vụ', 'Search services')}
        placeholder={t('Tìm theo tên, mã, cơ quan…', 'Search by name, code, agency…')}
        allowClear
        onSearch={setQ}
        style={{ maxWidth: 480 }}
      />
      {error && <Alert type="error" showIcon message={error} />}
      <List
        loading={loading}
        dataSource={services}
        locale={{ emptyText: t('Chưa có dịch vụ nào được công bố', 'No service is published yet') }}
        renderItem={(service) => (
          <List.Item>
            <Card
              title={service.name}
              extra={<Typography.Text code>/{service.context}</Typography.Text>}
              style={{ width: '100%' }}
            >
              <Typography.Paragraph>
                {t('Cơ quan cung cấp', 'Provider')}: {service.provider.organizationName} (
                {service.provider.organizationCode})
              </Typography.Paragraph>
              <Space wrap>
                {service.versions.map((version) => (
                  <Tag key={version.version} color={version.status === 'published' ? 'green' : 'orange'}>
                    {version.version} · {version.status}
                    {version.sunsetAt ? ` · ${t('ngừng', 'sunset')} ${formatDate(version.sunsetAt)}` : ''}
                  </Tag>
                ))}
              </Space>
            </Card>
          </List.Item>
        )}
      />
    </Space>
  );
}
