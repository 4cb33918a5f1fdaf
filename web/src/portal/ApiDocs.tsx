import { Alert, Button, Card, Space, Spin, Table, Typography } from 'antd';
import { lazy, Suspense, useEffect, useState } from 'react';
import { Link, useParams } from 'react-router-dom';
import { api, type OperationResponse, problemText } from '../shared/api.ts';
import { useT } from '../shared/i18n.tsx';
import { useTableScroll } from '../shared/table-scroll.ts';

const OpenApiView = lazy(() => import('./OpenApiView.tsx'));

type Operations = OperationResponse<'listPublicVersionOperations'>;

/**
 * A published version's API documentation: an OpenAPI document rendered in full, a WSDL's operations listed, and
 * the document itself to download. Only published and deprecated versions have a public document.
 */
export function ApiDocs() {
  const t = useT();
  const scroll = useTableScroll();
  const { id = '' } = useParams();
  const [operations, setOperations] = useState<Operations | null>(null);
  const [spec, setSpec] = useState<unknown>(null);
  const [error, setError] = useState<unknown>(null);
  const documentPath = `/api/v1/public/versions/${encodeURIComponent(id)}/document`;

  useEffect(() => {
    let live = true;
    api
      .call('listPublicVersionOperations', { auth: false, params: { id } })
      .then(async (answer) => {
        if (!live) return;
        setOperations(answer);
        if (answer.documentType === 'openapi') {
          // The operation answers a file; the typed client hands back parsed JSON when it is served as JSON
          // (an OpenAPI document always is), and bytes otherwise.
          const document: unknown = await api.call('getPublicVersionDocument', {
            auth: false,
            params: { id },
          });
          if (live) {
            setSpec(
              document instanceof Uint8Array ? JSON.parse(new TextDecoder().decode(document)) : document,
            );
          }
        }
      })
      .catch((err) => live && setError(err));
    return () => {
      live = false;
    };
  }, [id]);

  if (error) return <Alert type="error" showIcon title={problemText(error, t)} />;
  if (!operations) return <Spin />;
  return (
    <Space orientation="vertical" style={{ width: '100%' }} size="large">
      <Link to="/portal">← {t('Danh mục dịch vụ', 'Service catalogue')}</Link>
      <Typography.Title level={1} style={{ fontSize: 26 }}>
        {t('Tài liệu API', 'API documentation')}
      </Typography.Title>
      <Button href={documentPath} download>
        {operations.documentType === 'wsdl'
          ? t('Tải tài liệu WSDL', 'Download the WSDL')
          : t('Tải tài liệu OpenAPI', 'Download the OpenAPI document')}
      </Button>
      {operations.documentType === 'openapi' ? (
        <Suspense fallback={<Spin />}>{spec ? <OpenApiView spec={spec} /> : <Spin />}</Suspense>
      ) : (
        <Card title={t('Các thao tác (WSDL)', 'Operations (WSDL)')}>
          <Table
            rowKey={(op) => `${op.name}-${op.soapAction}`}
            pagination={false}
            scroll={scroll}
            dataSource={operations.items}
            columns={[
              { title: t('Thao tác', 'Operation'), dataIndex: 'name' },
              { title: t('Thông điệp vào', 'Input'), dataIndex: 'input' },
              { title: t('Thông điệp ra', 'Output'), dataIndex: 'output' },
              { title: 'SOAPAction', dataIndex: 'soapAction' },
            ]}
          />
        </Card>
      )}
    </Space>
  );
}
