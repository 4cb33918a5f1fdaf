import { App, Button, Card, Form, Input, Select, Space, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import type { TechnicalDescription } from '../../../../src/api/contract/services.ts';
import { api, type OperationResponse } from '../../shared/api.ts';
import { useT } from '../../shared/i18n.tsx';
import { R11_ITEMS, R11_KEYS } from '../../shared/r11.ts';
import { useServerList } from '../../shared/server-list.ts';
import { formatDateTime } from '../../shared/time.ts';
import { decommissionText } from '../components/decommission.tsx';
import { ProblemAlert } from '../components/page.tsx';
import { ServerTable } from '../components/server-table.tsx';
import { useOwnSystems } from './common.tsx';

type Service = OperationResponse<'listServices'>['items'][number];

/** What each R-11 item asks the provider to write (the decree's item, in words an agency officer follows). */
export const R11_HELP: Record<keyof TechnicalDescription, { vi: string; en: string }> = {
  addressAndInterface: {
    vi: 'Địa chỉ dịch vụ, kiểu giao diện (REST/SOAP), định dạng dữ liệu',
    en: 'Service address, interface kind (REST/SOAP), data format',
  },
  communicationStandards: {
    vi: 'Giao thức, phiên bản, bảng mã (ví dụ HTTP/1.1, JSON UTF-8)',
    en: 'Protocols, versions, encodings (e.g. HTTP/1.1, JSON UTF-8)',
  },
  encryptionAndSecurity: {
    vi: 'Mã hoá đường truyền, xác thực, phân quyền (ví dụ TLS 1.2+, OAuth 2.0)',
    en: 'Transport encryption, authentication, authorization (e.g. TLS 1.2+, OAuth 2.0)',
  },
  capacity: {
    vi: 'Số lượt mỗi giây/ngày, dung lượng tối đa mỗi lần gọi',
    en: 'Calls per second/day, maximum size per call',
  },
  connectionProcedure: {
    vi: 'Các bước để một cơ quan bắt đầu khai thác',
    en: 'The steps an agency follows to start using it',
  },
  dataQuality: {
    vi: 'Nguồn thu thập, người phê duyệt, tần suất cập nhật, thời điểm dữ liệu',
    en: 'Where data comes from, who approves it, how often and when it is updated',
  },
  dataPresentation: {
    vi: 'Cấu trúc, trường dữ liệu, ví dụ câu trả lời',
    en: 'Structure, fields, example answers',
  },
};

/** The R-11 description fields, each with its Vietnamese label and help (used for a new service and its edits). */
export function R11Fields() {
  const t = useT();
  return (
    <>
      {R11_KEYS.map((key) => (
        <Form.Item
          key={key}
          name={['description', key]}
          label={t(R11_ITEMS[key].vi, R11_ITEMS[key].en)}
          extra={t(R11_HELP[key].vi, R11_HELP[key].en)}
        >
          <Input.TextArea maxLength={20000} rows={2} />
        </Form.Item>
      ))}
    </>
  );
}

/** Keeps only the R-11 items a person filled in. */
export function filledDescription(description: TechnicalDescription | undefined): TechnicalDescription {
  return Object.fromEntries(
    Object.entries(description ?? {}).filter(([, value]) => typeof value === 'string' && value.trim() !== ''),
  );
}

interface NewService {
  providerSystemId: string;
  context: string;
  name: string;
  description?: TechnicalDescription;
}

/**
 * The services the agency provides (through its provider systems): list them, and describe a new one with its
 * R-11 technical description. Its versions, their submission and review are on the service's page.
 */
export function OurServices() {
  const t = useT();
  const { message } = App.useApp();
  const { systems, error: systemsError } = useOwnSystems((s) => s.isProvider);
  const [systemId, setSystemId] = useState<string | undefined>(undefined);
  const chosen = systemId ?? systems[0]?.id;
  const [form] = Form.useForm<NewService>();
  const [error, setError] = useState<unknown>(null);
  const [saving, setSaving] = useState(false);
  const list = useServerList<Service, { providerSystemId?: string }>(
    (request) =>
      request.providerSystemId
        ? api.call('listServices', { query: request })
        : Promise.resolve({ items: [], total: 0 }),
    {},
  );
  // The list follows the chosen provider system (the first one until the user picks another).
  const { setFilters } = list;
  useEffect(() => {
    if (chosen) setFilters({ providerSystemId: chosen });
  }, [chosen, setFilters]);
  // The new service's system starts as the one the list above shows — the only one when the agency has one. It
  // cannot be the form's `initialValues`: those are read once, before the systems have loaded, so the list showed
  // the agency's only system while the form held none and refused with "Chọn hệ thống".
  useEffect(() => {
    if (chosen && !form.getFieldValue('providerSystemId')) form.setFieldValue('providerSystemId', chosen);
  }, [chosen, form]);

  const create = async (values: NewService) => {
    setSaving(true);
    setError(null);
    try {
      await api.call('createService', {
        body: {
          providerSystemId: values.providerSystemId,
          context: values.context,
          name: values.name,
          description: filledDescription(values.description),
        },
      });
      form.resetFields();
      form.setFieldValue('providerSystemId', values.providerSystemId);
      setSystemId(values.providerSystemId);
      list.reload();
      message.success(t('Đã tạo dịch vụ', 'Service created'));
    } catch (err) {
      setError(err);
    } finally {
      setSaving(false);
    }
  };

  const systemOptions = systems.map((s) => ({ value: s.id, label: s.name }));

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={1} style={{ fontSize: 24 }}>
        {t('Dịch vụ của cơ quan', 'Our services')}
      </Typography.Title>
      <ProblemAlert error={systemsError} />
      <Card
        title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('Dịch vụ cung cấp', 'Services we provide')}</h2>}
      >
        <Space wrap style={{ marginBottom: 12 }}>
          <label htmlFor="agency-provider-system">{t('Hệ thống cung cấp', 'Provider system')}</label>
          <Select
            id="agency-provider-system"
            style={{ minWidth: 280 }}
            value={chosen}
            options={systemOptions}
            notFoundContent={t('Chưa có hệ thống cung cấp', 'No provider system')}
            onChange={(id: string) => {
              setSystemId(id);
            }}
          />
          <Input.Search
            aria-label={t('Tìm dịch vụ', 'Search services')}
            placeholder={t('Tìm theo tên, đường dẫn…', 'Search by name, context…')}
            allowClear
            onSearch={list.search}
          />
        </Space>
        <ServerTable<Service>
          list={list}
          emptyText={t('Chưa có dịch vụ nào', 'No service yet')}
          size="small"
          columns={[
            {
              title: t('Tên dịch vụ', 'Service'),
              dataIndex: 'name',
              render: (name: string, service) => (
                <Link to={`/agency-services/${encodeURIComponent(service.id)}`}>{name}</Link>
              ),
            },
            {
              title: t('Đường dẫn', 'Context'),
              dataIndex: 'context',
              render: (c: string) => <code>/{c}</code>,
            },
            {
              // A scheduled end is seen from the list too, not only on the service's page.
              title: t('Ngừng cung cấp', 'Decommission'),
              render: (_, service) => decommissionText(service, t),
            },
            {
              title: t('Cập nhật', 'Updated'),
              dataIndex: 'updatedAt',
              render: (at: string) => formatDateTime(at),
            },
          ]}
        />
      </Card>
      <Card
        title={
          <h2 style={{ fontSize: 16, margin: 0 }}>{t('Đăng ký dịch vụ mới', 'Describe a new service')}</h2>
        }
      >
        <Form<NewService>
          form={form}
          layout="vertical"
          onFinish={(v) => void create(v)}
          style={{ maxWidth: 720 }}
        >
          <Form.Item
            name="providerSystemId"
            label={t('Hệ thống cung cấp', 'Provider system')}
            rules={[{ required: true, message: t('Chọn hệ thống', 'Choose a system') }]}
          >
            <Select options={systemOptions} />
          </Form.Item>
          <Form.Item
            name="context"
            label={t('Đường dẫn gốc trên cổng kết nối', 'Gateway context')}
            extra={t(
              'Ví dụ: dancu — bên khai thác gọi /dancu/<phiên bản>/…; không đổi được sau khi tạo',
              'E.g. dancu — consumers call /dancu/<version>/…; fixed once created',
            )}
            rules={[{ required: true, message: t('Nhập đường dẫn', 'Enter a context') }]}
          >
            <Input maxLength={100} />
          </Form.Item>
          <Form.Item
            name="name"
            label={t('Tên dịch vụ', 'Service name')}
            rules={[{ required: true, whitespace: true, message: t('Nhập tên', 'Enter a name') }]}
          >
            <Input maxLength={300} />
          </Form.Item>
          <Typography.Title level={3} style={{ fontSize: 15 }}>
            {t('Mô tả kỹ thuật (R-11)', 'Technical description (R-11)')}
          </Typography.Title>
          <R11Fields />
          <ProblemAlert error={error} />
          <Button type="primary" htmlType="submit" loading={saving} style={{ marginTop: 8 }}>
            {t('Tạo dịch vụ', 'Create the service')}
          </Button>
        </Form>
      </Card>
    </Space>
  );
}
