import { Card, Descriptions, Space, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api, type OperationResponse } from '../../shared/api.ts';
import { useT } from '../../shared/i18n.tsx';
import { StateTag } from '../../shared/tags.tsx';
import { formatDateTime } from '../../shared/time.ts';
import { ProblemAlert, READABLE_LABEL } from '../components/page.tsx';

type InformationSystem = OperationResponse<'getSystem'>;

/** One of the agency's systems; the API refuses another organization's (the page shows its refusal). */
export function AgencySystemPage() {
  const t = useT();
  const { id = '' } = useParams();
  const [system, setSystem] = useState<InformationSystem | null>(null);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    setSystem(null);
    setError(null);
    api.call('getSystem', { params: { id } }).then(setSystem).catch(setError);
  }, [id]);

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={1} style={{ fontSize: 24 }}>
        {system?.name ?? t('Hệ thống thông tin', 'Information system')}
      </Typography.Title>
      <Link to="/agency">← {t('Cơ quan của tôi', 'My organization')}</Link>
      <ProblemAlert error={error} />
      {system ? (
        <Card>
          <Descriptions styles={READABLE_LABEL} column={1} size="small" bordered>
            <Descriptions.Item label={t('Mã hệ thống', 'System id')}>{system.id}</Descriptions.Item>
            <Descriptions.Item label={t('Mô tả', 'Description')}>
              {system.description ?? '—'}
            </Descriptions.Item>
            <Descriptions.Item label={t('Cung cấp dịch vụ', 'Provides services')}>
              {system.isProvider ? t('Có', 'Yes') : t('Không', 'No')}
            </Descriptions.Item>
            <Descriptions.Item label={t('Khai thác dịch vụ', 'Consumes services')}>
              {system.isConsumer ? t('Có', 'Yes') : t('Không', 'No')}
            </Descriptions.Item>
            <Descriptions.Item label={t('Trạng thái', 'Status')}>
              <StateTag state={system.status} />
            </Descriptions.Item>
            <Descriptions.Item label={t('Chứng chỉ máy khách (mTLS)', 'Client certificate (mTLS)')}>
              {system.clientCertificate
                ? `${system.clientCertificate.subject ?? system.clientCertificate.sha256 ?? ''} · ${t('hết hạn', 'expires')} ${formatDateTime(system.clientCertificate.notAfter)}`
                : t('Chưa gắn', 'None')}
            </Descriptions.Item>
            <Descriptions.Item label={t('Tạo lúc', 'Created')}>
              {formatDateTime(system.createdAt)}
            </Descriptions.Item>
          </Descriptions>
          <Space style={{ marginTop: 12 }}>
            <Link to="/agency-keys">{t('Khoá của cơ quan', 'Our keys')}</Link>
            <Link to="/transactions">{t('Giao dịch', 'Transactions')}</Link>
          </Space>
        </Card>
      ) : null}
    </Space>
  );
}
