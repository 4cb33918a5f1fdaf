import { App, Button, Card, Checkbox, Form, Input, Space, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { api, type OperationResponse } from '../../shared/api.ts';
import { useT } from '../../shared/i18n.tsx';
import { useServerList } from '../../shared/server-list.ts';
import { StateTag } from '../../shared/tags.tsx';
import { formatDateTime } from '../../shared/time.ts';
import { ProblemAlert, SearchBox } from '../components/page.tsx';
import { ServerTable } from '../components/server-table.tsx';
import { useOrganizationId } from './common.tsx';

type ConnectionRequest = OperationResponse<'listConnectionRequests'>['items'][number];

interface RequestForm {
  systemName: string;
  systemDescription?: string;
  isProvider?: boolean;
  isConsumer?: boolean;
  purpose: string;
  scopeOfUse: string;
  contactName: string;
  contactTitle: string;
  contactUnit?: string;
  contactPhone: string;
  contactEmail: string;
  otherProposals?: string;
  letterNumber?: string;
}

/**
 * Connection requests (R-08, the regulation's Appendix): the agency files one with the Appendix items, follows its
 * state, and downloads the generated letter to sign and send. The operator approves (which creates the system).
 */
export function ConnectionRequests() {
  const t = useT();
  const { message } = App.useApp();
  const organizationId = useOrganizationId();
  const [form] = Form.useForm<RequestForm>();
  const [sending, setSending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // The form starts from the organization's own contact point (R-09, kept on its home page): a newcomer typed again
  // what the platform already knew. Only the empty fields are filled; the agency may name someone else.
  const [contactDefaults, setContactDefaults] = useState<Partial<RequestForm>>({});
  useEffect(() => {
    api
      .call('getOrganization', { params: { id: organizationId } })
      .then((organization) => {
        const contact = organization.contact;
        if (!contact) return;
        const defaults: Partial<RequestForm> = {
          contactName: contact.name,
          ...(contact.title ? { contactTitle: contact.title } : {}),
          ...(contact.unit ? { contactUnit: contact.unit } : {}),
          ...(contact.phone ? { contactPhone: contact.phone } : {}),
          ...(contact.email ? { contactEmail: contact.email } : {}),
        };
        setContactDefaults(defaults);
        const current = form.getFieldsValue();
        form.setFieldsValue(
          Object.fromEntries(
            Object.entries(defaults).filter(([name]) => !current[name as keyof RequestForm]),
          ) as Partial<RequestForm>,
        );
      })
      // Without it the form is only empty, as before; the request itself says what is missing.
      .catch(() => undefined);
  }, [organizationId, form]);
  // One page at a time from the server (issue 11), searched there too; the API limits it to our organization.
  const list = useServerList<ConnectionRequest>((request) =>
    api.call('listConnectionRequests', { query: { ...request, organizationId } }),
  );

  const submit = async (values: RequestForm) => {
    setSending(true);
    setError(null);
    try {
      await api.call('createConnectionRequest', {
        body: {
          systemName: values.systemName,
          ...(values.systemDescription ? { systemDescription: values.systemDescription } : {}),
          isProvider: values.isProvider ?? false,
          isConsumer: values.isConsumer ?? false,
          purpose: values.purpose,
          scopeOfUse: values.scopeOfUse,
          contact: {
            name: values.contactName,
            title: values.contactTitle,
            ...(values.contactUnit ? { unit: values.contactUnit } : {}),
            phone: values.contactPhone,
            email: values.contactEmail,
          },
          ...(values.otherProposals ? { otherProposals: values.otherProposals } : {}),
          ...(values.letterNumber ? { letterNumber: values.letterNumber } : {}),
        },
      });
      form.resetFields();
      form.setFieldsValue(contactDefaults);
      list.reload();
      message.success(t('Đã gửi đề nghị kết nối', 'Connection request filed'));
    } catch (err) {
      setError(err);
    } finally {
      setSending(false);
    }
  };

  const downloadLetter = async (request: ConnectionRequest) => {
    try {
      const bytes = await api.call('getConnectionRequestLetter', { params: { id: request.id } });
      const blob = new Blob([bytes as Uint8Array<ArrayBuffer>], {
        type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      });
      const url = URL.createObjectURL(blob);
      const link = document.createElement('a');
      link.href = url;
      link.download = `de-nghi-ket-noi-${request.id}.docx`;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    } catch (err) {
      setError(err);
    }
  };

  const required = (vi: string, en: string) => [{ required: true, whitespace: true, message: t(vi, en) }];

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={1} style={{ fontSize: 24 }}>
        {t('Đề nghị kết nối', 'Connection requests')}
      </Typography.Title>
      <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('Đề nghị của cơ quan', 'Our requests')}</h2>}>
        <SearchBox
          label={t('Tìm theo tên hệ thống, mã đề nghị', 'Search by system name, request id')}
          onSearch={list.search}
        />
        <ServerTable<ConnectionRequest>
          list={list}
          emptyText={t('Chưa có đề nghị nào', 'No request yet')}
          size="small"
          columns={[
            { title: t('Hệ thống', 'System'), dataIndex: 'systemName' },
            {
              title: t('Gửi lúc', 'Filed'),
              dataIndex: 'submittedAt',
              render: (at: string) => formatDateTime(at),
            },
            {
              title: t('Trạng thái', 'State'),
              dataIndex: 'status',
              render: (s: string) => <StateTag state={s} />,
            },
            {
              title: t('Lý do / ghi chú', 'Reason / note'),
              dataIndex: 'decisionReason',
              render: (reason: string | null) => reason ?? '—',
            },
            {
              title: t('Văn bản', 'Letter'),
              render: (_, request) => (
                <Button size="small" onClick={() => void downloadLetter(request)}>
                  {t('Tải công văn (.docx)', 'Download letter (.docx)')}
                </Button>
              ),
            },
          ]}
        />
      </Card>
      <Card title={<h2 style={{ fontSize: 16, margin: 0 }}>{t('Gửi đề nghị mới', 'File a new request')}</h2>}>
        <Typography.Paragraph type="secondary">
          {t(
            'Theo mẫu Phụ lục của Quy chế: khi Sở TT&TT phê duyệt, hệ thống được tạo trên nền tảng. Sau khi gửi, tải công văn để ký và gửi chính thức.',
            'Following the regulation’s Appendix: when the operator approves, the system is created on the platform. After filing, download the letter to sign and send.',
          )}
        </Typography.Paragraph>
        <Form<RequestForm>
          form={form}
          layout="vertical"
          onFinish={(v) => void submit(v)}
          style={{ maxWidth: 720 }}
        >
          <Form.Item
            name="systemName"
            label={t('Tên hệ thống thông tin cần kết nối', 'System to connect')}
            rules={required('Nhập tên hệ thống', 'Enter the system name')}
          >
            <Input maxLength={300} />
          </Form.Item>
          <Form.Item name="systemDescription" label={t('Mô tả hệ thống', 'System description')}>
            <Input.TextArea maxLength={2000} rows={2} />
          </Form.Item>
          <Form.Item name="isProvider" valuePropName="checked" style={{ marginBottom: 4 }}>
            <Checkbox>{t('Hệ thống cung cấp dịch vụ', 'The system provides services')}</Checkbox>
          </Form.Item>
          <Form.Item name="isConsumer" valuePropName="checked">
            <Checkbox>{t('Hệ thống khai thác dịch vụ', 'The system consumes services')}</Checkbox>
          </Form.Item>
          <Form.Item
            name="purpose"
            label={t('1. Mục đích sử dụng', '1. Purpose of use')}
            extra={t('Dữ liệu, dịch vụ cần kết nối để làm gì', 'What the connection is for')}
            rules={required('Nhập mục đích', 'Enter the purpose')}
          >
            <Input.TextArea maxLength={5000} rows={3} />
          </Form.Item>
          <Form.Item
            name="scopeOfUse"
            label={t('2. Phạm vi sử dụng tại cơ quan chủ quản', '2. Scope of use')}
            extra={t('Đơn vị, bộ phận nào sử dụng', 'Which units use it')}
            rules={required('Nhập phạm vi', 'Enter the scope')}
          >
            <Input.TextArea maxLength={5000} rows={3} />
          </Form.Item>
          <Typography.Text strong>{t('3. Đầu mối phối hợp', '3. Contact point')}</Typography.Text>
          <Form.Item
            name="contactName"
            label={t('Họ và tên', 'Name')}
            rules={required('Nhập họ tên', 'Enter a name')}
          >
            <Input maxLength={200} />
          </Form.Item>
          <Form.Item
            name="contactTitle"
            label={t('Chức vụ', 'Title')}
            rules={required('Nhập chức vụ', 'Enter a title')}
          >
            <Input maxLength={200} />
          </Form.Item>
          <Form.Item
            name="contactUnit"
            label={t('Đơn vị công tác', 'Unit')}
            extra={t('Để trống: cơ quan đề nghị', 'Empty: the applicant organization')}
          >
            <Input maxLength={300} />
          </Form.Item>
          <Form.Item
            name="contactPhone"
            label={t('Số điện thoại', 'Phone')}
            rules={[
              ...required('Nhập số điện thoại', 'Enter a phone number'),
              {
                pattern: /^[0-9+() .-]+$/,
                message: t('Chỉ chữ số và + ( ) . -', 'Digits and + ( ) . - only'),
              },
            ]}
          >
            <Input maxLength={40} />
          </Form.Item>
          <Form.Item
            name="contactEmail"
            label={t('Thư điện tử', 'E-mail')}
            rules={[
              ...required('Nhập thư điện tử', 'Enter an e-mail'),
              { type: 'email', message: t('Thư điện tử không hợp lệ', 'Not an e-mail address') },
            ]}
          >
            <Input maxLength={254} />
          </Form.Item>
          <Form.Item name="otherProposals" label={t('4. Các đề xuất, kiến nghị khác', '4. Other proposals')}>
            <Input.TextArea maxLength={5000} rows={2} />
          </Form.Item>
          <Form.Item
            name="letterNumber"
            label={t('Số công văn', 'Letter number')}
            extra={t('Nếu đã có', 'If there is one')}
          >
            <Input maxLength={100} />
          </Form.Item>
          <ProblemAlert error={error} />
          <Button type="primary" htmlType="submit" loading={sending} style={{ marginTop: 8 }}>
            {t('Gửi đề nghị', 'File the request')}
          </Button>
        </Form>
      </Card>
    </Space>
  );
}
