import { Alert, Card, Input, List, Space, Typography } from 'antd';
import { Link } from 'react-router-dom';
import { api, type OperationResponse, problemText } from '../shared/api.ts';
import { useT } from '../shared/i18n.tsx';
import { usePartyName } from '../shared/party-name.ts';
import { useServerList } from '../shared/server-list.ts';
import { ColourTag } from '../shared/tags.tsx';
import { formatDate } from '../shared/time.ts';
import { versionState } from '../shared/version-state.ts';

type PublicService = OperationResponse<'listPublicServices'>['items'][number];

/** The catalogue of published services, searched and paged on the server, each with its provider. */
export function Catalogue() {
  const t = useT();
  const partyName = usePartyName();
  const list = useServerList<PublicService>((request) =>
    api.call('listPublicServices', { auth: false, query: request }),
  );

  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="large">
      <Typography.Title level={1} style={{ fontSize: 26 }}>
        {t('Danh mục dịch vụ chia sẻ dữ liệu', 'Data-sharing service catalogue')}
      </Typography.Title>
      <Typography.Paragraph>
        {t(
          'Các dịch vụ đã công bố trên nền tảng của tỉnh. Mỗi dịch vụ có mô tả kỹ thuật, cơ quan cung cấp, đầu mối liên hệ và tài liệu API. Để khai thác, cơ quan đăng ký trong bảng điều khiển.',
          'Services published on the province’s platform, each with its technical description, provider, contact point and API documentation. To use one, an agency subscribes in the console.',
        )}
      </Typography.Paragraph>
      <Input.Search
        aria-label={t('Tìm dịch vụ', 'Search services')}
        placeholder={t('Tìm theo tên, mã, cơ quan…', 'Search by name, code, agency…')}
        allowClear
        enterButton
        onSearch={list.search}
        style={{ maxWidth: 480 }}
      />
      {list.error ? <Alert type="error" showIcon title={problemText(list.error, t)} /> : null}
      <List
        loading={list.loading}
        dataSource={list.items}
        pagination={{ ...list.pagination, align: 'center' }}
        locale={{ emptyText: t('Không có dịch vụ nào khớp', 'No service matches') }}
        renderItem={(service) => (
          <List.Item>
            <Card
              title={<Link to={`/portal/services/${encodeURIComponent(service.id)}`}>{service.name}</Link>}
              extra={<Typography.Text code>/{service.context}</Typography.Text>}
              style={{ width: '100%' }}
            >
              <Typography.Paragraph>
                {t('Cơ quan cung cấp', 'Provider')}:{' '}
                {partyName(
                  'organization',
                  service.provider.organizationCode,
                  service.provider.organizationName,
                )}{' '}
                ({service.provider.organizationCode})
              </Typography.Paragraph>
              <Space wrap>
                {service.versions.map((version) => {
                  const state = versionState(version.status);
                  return (
                    <ColourTag key={version.version} color={state.color}>
                      {version.version} · {t(state.vi, state.en)}
                      {version.sunsetAt ? ` · ${t('ngừng', 'sunset')} ${formatDate(version.sunsetAt)}` : ''}
                    </ColourTag>
                  );
                })}
              </Space>
            </Card>
          </List.Item>
        )}
      />
    </Space>
  );
}
