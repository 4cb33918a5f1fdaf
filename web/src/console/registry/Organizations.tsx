import { PlusOutlined } from '@ant-design/icons';
import { App, Button, Checkbox, Form, Input, Modal, Space } from 'antd';
import { useState } from 'react';
import { contactReachable } from '../../../../src/api/contract/organizations.ts';
import { api, type OperationResponse } from '../../shared/api.ts';
import { useT } from '../../shared/i18n.tsx';
import { useServerList } from '../../shared/server-list.ts';
import { ColourTag } from '../../shared/tags.tsx';
import { formatDateTime } from '../../shared/time.ts';
import { ContactEmailItem } from '../components/contact-email.tsx';
import { PageTitle, ProblemAlert, SearchBox, useCan } from '../components/page.tsx';
import {
  forgetName,
  RegistryName,
  searchOrganizations,
  useRegistryName,
} from '../components/registry-names.tsx';
import { RemoteSelect } from '../components/registry-remote-select.tsx';
import { ServerTable } from '../components/server-table.tsx';

type Organization = OperationResponse<'getOrganization'>;

interface OrganizationForm {
  code: string;
  name: string;
  parentId?: string;
  contactName: string;
  contactTitle?: string;
  contactUnit?: string;
  contactPhone?: string;
  contactEmail: string;
}

/** Organizations: official code, parent, contact point; the operator administrator creates and edits them. */
export function Organizations() {
  const t = useT();
  const registryName = useRegistryName();
  const canEdit = useCan('operator_admin');
  const list = useServerList<Organization, { contact?: 'missing' }>((request) =>
    api.call('listOrganizations', { query: request }),
  );
  const [editing, setEditing] = useState<Organization | 'new' | null>(null);

  return (
    <>
      <PageTitle
        extra={
          canEdit && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setEditing('new')}>
              {t('Thêm cơ quan', 'Add organization')}
            </Button>
          )
        }
      >
        {t('Cơ quan, đơn vị', 'Organizations')}
      </PageTitle>
      <Space wrap style={{ marginBottom: 12 }}>
        <SearchBox
          label={t('Tìm theo mã định danh, tên', 'Search by official code, name')}
          onSearch={list.search}
        />
        <Checkbox onChange={(e) => list.setFilters(e.target.checked ? { contact: 'missing' } : {})}>
          {t('Chỉ cơ quan chưa có e-mail đầu mối', 'Only organizations without a contact e-mail')}
        </Checkbox>
      </Space>
      <ServerTable<Organization>
        list={list}
        emptyText={t('Chưa có cơ quan nào', 'No organization yet')}
        columns={[
          { title: t('Mã định danh', 'Official code'), dataIndex: 'code' },
          {
            title: t('Tên cơ quan', 'Name'),
            dataIndex: 'name',
            render: (name: string, o) => registryName('organization', o.code, name),
          },
          {
            title: t('Cơ quan cấp trên', 'Parent'),
            dataIndex: 'parentId',
            render: (id: string | null) => <RegistryName kind="organization" id={id} />,
          },
          {
            title: t('Cán bộ đầu mối', 'Contact point'),
            // Flagged: no notice or alert reaches an organization without a contact e-mail.
            render: (_, o) => (
              <Space size={4} wrap>
                {o.contact
                  ? [o.contact.name, o.contact.phone, o.contact.email].filter(Boolean).join(' · ')
                  : '—'}
                {contactReachable(o) ? null : (
                  <ColourTag color="orange">
                    {t(
                      'Chưa có e-mail đầu mối: không nhận được thông báo, cảnh báo',
                      'No contact e-mail: gets no notices or alerts',
                    )}
                  </ColourTag>
                )}
              </Space>
            ),
          },
          { title: t('Cập nhật', 'Updated'), dataIndex: 'updatedAt', render: formatDateTime },
          ...(canEdit
            ? [
                {
                  title: t('Thao tác', 'Actions'),
                  render: (_: unknown, o: Organization) => (
                    <Button size="small" onClick={() => setEditing(o)}>
                      {t('Sửa', 'Edit')}
                    </Button>
                  ),
                },
              ]
            : []),
        ]}
      />
      {editing && (
        <OrganizationModal
          organization={editing === 'new' ? null : editing}
          onClose={(saved) => {
            setEditing(null);
            if (saved) list.reload();
          }}
        />
      )}
    </>
  );
}

function OrganizationModal({
  organization,
  onClose,
}: {
  organization: Organization | null;
  onClose: (saved: boolean) => void;
}) {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<OrganizationForm>();
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const save = async (values: OrganizationForm) => {
    setSaving(true);
    setError(null);
    const contact = {
      name: values.contactName,
      title: values.contactTitle || null,
      unit: values.contactUnit || null,
      phone: values.contactPhone || null,
      email: values.contactEmail,
    };
    try {
      if (organization) {
        await api.call('updateOrganization', {
          params: { id: organization.id },
          body: { name: values.name, parentId: values.parentId ?? null, contact },
        });
        forgetName(organization.id);
      } else {
        await api.call('createOrganization', {
          body: { code: values.code, name: values.name, parentId: values.parentId ?? null, contact },
        });
      }
      message.success(t('Đã lưu cơ quan', 'Organization saved'));
      onClose(true);
    } catch (err) {
      setError(err);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Modal
      open
      title={organization ? t('Sửa cơ quan', 'Edit organization') : t('Thêm cơ quan', 'Add organization')}
      okText={t('Lưu', 'Save')}
      cancelText={t('Huỷ', 'Cancel')}
      confirmLoading={saving}
      onOk={() => form.submit()}
      onCancel={() => onClose(false)}
      destroyOnHidden
    >
      <ProblemAlert error={error} />
      <Form<OrganizationForm>
        form={form}
        layout="vertical"
        onFinish={save}
        initialValues={
          organization
            ? {
                code: organization.code,
                name: organization.name,
                parentId: organization.parentId ?? undefined,
                contactName: organization.contact?.name ?? '',
                contactTitle: organization.contact?.title ?? undefined,
                contactUnit: organization.contact?.unit ?? undefined,
                contactPhone: organization.contact?.phone ?? undefined,
                contactEmail: organization.contact?.email ?? '',
              }
            : {}
        }
      >
        <Form.Item
          name="code"
          label={t('Mã định danh điện tử', 'Official code')}
          rules={[{ required: true, message: t('Nhập mã định danh', 'Enter the official code') }]}
          extra={t('Ví dụ 000.00.31.H01', 'e.g. 000.00.31.H01')}
        >
          <Input disabled={organization !== null} maxLength={32} />
        </Form.Item>
        <Form.Item
          name="name"
          label={t('Tên cơ quan', 'Name')}
          rules={[{ required: true, message: t('Nhập tên cơ quan', 'Enter the name') }]}
        >
          <Input maxLength={300} />
        </Form.Item>
        <Form.Item name="parentId" label={t('Cơ quan cấp trên', 'Parent organization')}>
          <RemoteSelect search={searchOrganizations} placeholder={t('Không có', 'None')} />
        </Form.Item>
        <Form.Item
          name="contactName"
          label={t('Cán bộ đầu mối: họ tên', 'Contact point: name')}
          rules={[{ required: true, message: t('Nhập họ tên cán bộ đầu mối', 'Enter the contact name') }]}
        >
          <Input maxLength={200} />
        </Form.Item>
        <Form.Item name="contactTitle" label={t('Chức vụ', 'Title')}>
          <Input maxLength={200} />
        </Form.Item>
        <Form.Item name="contactUnit" label={t('Đơn vị', 'Unit')}>
          <Input maxLength={300} />
        </Form.Item>
        <Form.Item
          name="contactPhone"
          label={t('Điện thoại', 'Phone')}
          rules={[
            { pattern: /^[0-9+() .-]*$/, message: t('Số điện thoại không hợp lệ', 'Not a phone number') },
          ]}
        >
          <Input maxLength={40} />
        </Form.Item>
        <ContactEmailItem name="contactEmail" />
      </Form>
    </Modal>
  );
}
