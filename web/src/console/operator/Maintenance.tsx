import { ToolOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Form, Input, Select, Space, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { api } from '../../shared/api.ts';
import { useT } from '../../shared/i18n.tsx';
import { formatDateTime } from '../../shared/time.ts';
import { ProblemAlert } from '../components/page.tsx';
import { pickedVietnamTimeToIso, ReviewDateTimePicker } from '../components/review-datetime.tsx';

interface MaintenanceForm {
  serviceId: string;
  startsAt: Dayjs;
  endsAt: Dayjs;
  title: string;
  body: string;
}

const EVERY_SERVICE = '*';

/**
 * a maintenance window announced ahead to every consumer (a public notice, e-mails, webhooks). The platform
 * wants a minimum notice (configuration `lifecycle.maintenanceMinNoticeHours`, 24 hours unless the province
 * changed it); a start too soon is refused with the earliest time it accepts.
 */
export function MaintenanceScreen() {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<MaintenanceForm>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [announced, setAnnounced] = useState<{ title: string; startsAt: string | null } | null>(null);
  const [services, setServices] = useState<Array<{ value: string; label: string }>>([]);
  const [search, setSearch] = useState('');

  // The service picker searches on the server, one short page at a time.
  useEffect(() => {
    let live = true;
    api
      .call('listServices', { query: { limit: 20, offset: 0, ...(search ? { q: search } : {}) } })
      .then((page) => {
        if (live) setServices(page.items.map((s) => ({ value: s.id, label: `${s.name} (${s.context})` })));
      })
      .catch(() => {});
    return () => {
      live = false;
    };
  }, [search]);

  const submit = async (values: MaintenanceForm) => {
    setBusy(true);
    setError(null);
    try {
      const notice = await api.call('announceMaintenance', {
        body: {
          serviceId: values.serviceId === EVERY_SERVICE ? null : values.serviceId,
          startsAt: pickedVietnamTimeToIso(values.startsAt),
          endsAt: pickedVietnamTimeToIso(values.endsAt),
          title: values.title.trim(),
          body: values.body.trim(),
        },
      });
      setAnnounced({ title: notice.title, startsAt: notice.startsAt });
      message.success(t('Đã thông báo bảo trì', 'Maintenance announced'));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card
      title={<h1 style={{ fontSize: 20, margin: 0 }}>{t('Thông báo bảo trì', 'Announce maintenance')}</h1>}
    >
      <Space orientation="vertical" style={{ width: '100%', maxWidth: 720 }}>
        <Typography.Paragraph type="secondary">
          {t(
            'Thông báo được đăng công khai trên cổng thông tin và gửi tới các bên khai thác. Thời điểm bắt đầu phải cách bây giờ ít nhất số giờ báo trước tối thiểu của nền tảng (mặc định 24 giờ, R-24). Giờ nhập là giờ Việt Nam. Lịch đã đăng mà chưa kết thúc được huỷ ở trang Thông báo.',
            'The notice is published on the portal and sent to consumers. The start must be at least the platform’s minimum notice from now (24 hours by default, R-24). Times are Vietnam time. A window announced and not yet over is cancelled from the Notices page.',
          )}
        </Typography.Paragraph>
        {announced && (
          <Alert
            type="success"
            showIcon
            message={`${t('Đã đăng', 'Published')}: ${announced.title} — ${formatDateTime(announced.startsAt)}`}
            description={<Link to="/notices">{t('Xem các thông báo', 'See the notices')}</Link>}
          />
        )}
        <Form<MaintenanceForm>
          form={form}
          layout="vertical"
          initialValues={{ serviceId: EVERY_SERVICE }}
          onFinish={(values) => void submit(values)}
        >
          <Form.Item name="serviceId" label={t('Dịch vụ', 'Service')} rules={[{ required: true }]}>
            <Select
              showSearch={{ filterOption: false, onSearch: setSearch }}
              options={[{ value: EVERY_SERVICE, label: t('Mọi dịch vụ', 'Every service') }, ...services]}
            />
          </Form.Item>
          <Space wrap>
            <Form.Item
              name="startsAt"
              label={t('Bắt đầu', 'Starts')}
              rules={[{ required: true, message: t('Chọn thời điểm bắt đầu', 'Pick the start') }]}
            >
              <ReviewDateTimePicker />
            </Form.Item>
            <Form.Item
              name="endsAt"
              label={t('Kết thúc', 'Ends')}
              dependencies={['startsAt']}
              rules={[
                { required: true, message: t('Chọn thời điểm kết thúc', 'Pick the end') },
                ({ getFieldValue }) => ({
                  validator: (_, value: Dayjs | undefined) => {
                    const start = getFieldValue('startsAt') as Dayjs | undefined;
                    return !value || !start || value.isAfter(start)
                      ? Promise.resolve()
                      : Promise.reject(new Error(t('Kết thúc sau khi bắt đầu', 'Ends after it starts')));
                  },
                }),
              ]}
            >
              <ReviewDateTimePicker />
            </Form.Item>
          </Space>
          <Form.Item
            name="title"
            label={t('Tiêu đề', 'Title')}
            rules={[{ required: true, whitespace: true, message: t('Cần nhập tiêu đề', 'Required') }]}
          >
            <Input maxLength={300} />
          </Form.Item>
          <Form.Item
            name="body"
            label={t('Nội dung', 'Text')}
            rules={[{ required: true, whitespace: true, message: t('Cần nhập nội dung', 'Required') }]}
          >
            <Input.TextArea rows={4} maxLength={5000} />
          </Form.Item>
          <ProblemAlert error={error} />
          <Button type="primary" htmlType="submit" icon={<ToolOutlined />} loading={busy}>
            {t('Đăng thông báo bảo trì', 'Announce maintenance')}
          </Button>
        </Form>
      </Space>
    </Card>
  );
}
