import { Alert, App, Button, Card, Descriptions, Form, Input, Modal, Select, Space } from 'antd';
import { useCallback, useEffect, useState } from 'react';
import { Link, useLocation, useParams } from 'react-router-dom';
import type { OperationBody } from '../../../../src/api/contract/operation-schemas.ts';
import { api, type OperationResponse } from '../../shared/api.ts';
import { useT } from '../../shared/i18n.tsx';
import { useServerList } from '../../shared/server-list.ts';
import { ColourTag, StateTag } from '../../shared/tags.tsx';
import { formatDateTime } from '../../shared/time.ts';
import {
  DANGER_BUTTON,
  DANGER_OK,
  PageTitle,
  ProblemAlert,
  READABLE_LABEL,
  SearchBox,
  useCan,
} from '../components/page.tsx';
import { RegistryName } from '../components/registry-names.tsx';
import { ServerTable } from '../components/server-table.tsx';
import { CredentialTable } from '../registry/Credentials.tsx';
import { usePeerKindName } from './Peers.tsx';

type Peer = OperationResponse<'getPeer'>;
type Import = OperationResponse<'listPeerImports'>['items'][number];
type Grant = OperationResponse<'listPeerGrants'>['items'][number];
type CatalogueEntry = OperationResponse<'getPeerCatalogue'>['items'][number];
type ImportForm = OperationBody<'importPeerService'>;

/**
 * One peer platform (issue 12): what we know of it (never our secret or key: only that they are kept), its platform
 * system and the credentials it calls us with, its catalogue to import from, the services imported, and the
 * represented organizations each of its subscriptions allows. Changes are the operator administrator's.
 */
export function PeerDetail() {
  const t = useT();
  const { id = '' } = useParams();
  const location = useLocation();
  const { message, modal } = App.useApp();
  const kindName = usePeerKindName();
  const isAdmin = useCan('operator_admin');
  const [peer, setPeer] = useState<Peer | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [editing, setEditing] = useState(false);
  const [importing, setImporting] = useState<Partial<ImportForm> | null>(null);
  const [importsVersion, setImportsVersion] = useState(0);
  const registered = (location.state as { registered?: boolean } | null)?.registered === true;

  const load = useCallback(() => {
    api.call('getPeer', { params: { id } }).then(setPeer).catch(setError);
  }, [id]);
  useEffect(load, [load]);

  const setStatus = (status: 'active' | 'suspended') => {
    if (!peer) return;
    modal.confirm({
      title:
        status === 'suspended'
          ? t(`Tạm dừng liên thông với ${peer.code}?`, `Suspend federation with ${peer.code}?`)
          : t(`Cho ${peer.code} hoạt động lại?`, `Resume ${peer.code}?`),
      content:
        status === 'suspended'
          ? t(
              'Không gọi tới, không nhận lời gọi từ nền tảng này; hệ thống nền tảng của nó cũng tạm dừng.',
              'No calls either way; its platform system is suspended with it.',
            )
          : t('Lời gọi hai chiều được phép lại.', 'Calls either way are allowed again.'),
      okText: status === 'suspended' ? t('Tạm dừng', 'Suspend') : t('Hoạt động lại', 'Resume'),
      ...(status === 'suspended' ? { okButtonProps: DANGER_OK } : {}),
      cancelText: t('Huỷ', 'Cancel'),
      onOk: async () => {
        setError(null);
        try {
          setPeer(await api.call('updatePeer', { params: { id }, body: { status } }));
          message.success(
            status === 'suspended' ? t('Đã tạm dừng', 'Suspended') : t('Đã hoạt động lại', 'Resumed'),
          );
        } catch (err) {
          // Under the title, beside the button that asked: the refusal stays until dismissed or tried again.
          setError(err);
        }
      },
    });
  };

  const yes = (set: boolean) =>
    set ? t('Đã lưu (niêm phong, không hiện lại)', 'Kept (sealed, never shown)') : t('Chưa có', 'None');

  return (
    <>
      <PageTitle
        extra={
          <Space>
            {isAdmin && peer && (
              <>
                <Button onClick={() => setEditing(true)}>{t('Sửa', 'Edit')}</Button>
                {peer.status === 'active' ? (
                  <Button {...DANGER_BUTTON} onClick={() => setStatus('suspended')}>
                    {t('Tạm dừng', 'Suspend')}
                  </Button>
                ) : (
                  <Button onClick={() => setStatus('active')}>{t('Hoạt động lại', 'Resume')}</Button>
                )}
              </>
            )}
            <Link to="/peers">{t('‹ Các nền tảng', '‹ Peers')}</Link>
          </Space>
        }
      >
        {t('Nền tảng', 'Peer')}: {peer?.name ?? id}
      </PageTitle>
      <ProblemAlert error={error} onClose={peer ? () => setError(null) : undefined} />
      {registered && peer && (
        <Alert
          type="success"
          showIcon
          style={{ marginBottom: 16 }}
          title={t(
            `Đã đăng ký. Hệ thống nền tảng ${peer.systemId} đã được tạo: cấp khoá chính thức bên dưới và gửi cho nền tảng đó để nó gọi ta.`,
            `Registered. Its platform system ${peer.systemId} was created: issue a production key below and send it to that platform so it can call us.`,
          )}
        />
      )}
      {peer && (
        <Space orientation="vertical" size="large" style={{ width: '100%' }}>
          <Descriptions
            styles={READABLE_LABEL}
            bordered
            size="small"
            column={2}
            items={[
              {
                key: 'code',
                label: t('Mã (nhãn chữ ký)', 'Code (signature label)'),
                children: <code>{peer.code}</code>,
              },
              { key: 'status', label: t('Trạng thái', 'State'), children: <StateTag state={peer.status} /> },
              { key: 'kind', label: t('Loại', 'Kind'), children: kindName(peer.kind) },
              {
                key: 'system',
                label: t('Hệ thống nền tảng ở đây', 'Its platform system here'),
                children: <RegistryName kind="system" id={peer.systemId} />,
              },
              {
                key: 'gateway',
                label: t('Cổng kết nối', 'Gateway'),
                children: <code>{peer.gatewayUrl}</code>,
              },
              { key: 'token', label: t('Cấp token', 'Token URL'), children: <code>{peer.tokenUrl}</code> },
              { key: 'jwks', label: 'JWKS', children: <code>{peer.jwksUrl}</code> },
              {
                key: 'catalogue',
                label: t('Danh mục công khai', 'Public catalogue'),
                children: peer.catalogueUrl ? <code>{peer.catalogueUrl}</code> : '—',
              },
              {
                key: 'client',
                label: t('Consumer key của ta tại đó', 'Our consumer key there'),
                children: peer.clientId ? <code>{peer.clientId}</code> : '—',
              },
              {
                key: 'secret',
                label: t('Secret của ta tại đó', 'Our secret there'),
                children: yes(peer.hasClientSecret),
              },
              {
                key: 'cert',
                label: t('Chứng chỉ mTLS của ta', 'Our mTLS certificate'),
                children: yes(peer.hasClientCertificate),
              },
              {
                key: 'times',
                label: t('Đăng ký / sửa lúc', 'Registered / changed'),
                children: `${formatDateTime(peer.createdAt)} / ${formatDateTime(peer.updatedAt)}`,
              },
            ]}
          />
          <Card title={t('Khoá để nền tảng này gọi ta', 'The credentials it calls us with')}>
            <CredentialTable systemId={peer.systemId} canIssue />
          </Card>
          {isAdmin && (
            <PeerCatalogue peer={peer} version={importsVersion} onImport={(asked) => setImporting(asked)} />
          )}
          <PeerImports peerId={peer.id} version={importsVersion} />
          <PeerGrants peer={peer} />
        </Space>
      )}
      {editing && peer && (
        <EditPeer
          peer={peer}
          onClose={(changed) => {
            setEditing(false);
            if (changed) setPeer(changed);
          }}
        />
      )}
      {importing && peer && (
        <ImportModal
          peer={peer}
          initial={importing}
          onClose={(done) => {
            setImporting(null);
            if (done) setImportsVersion((v) => v + 1);
          }}
        />
      )}
    </>
  );
}

/** Changing how we reach the peer; the secret is only ever written, never read back. */
function EditPeer({ peer, onClose }: { peer: Peer; onClose: (changed: Peer | null) => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<OperationBody<'updatePeer'>>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const save = async () => {
    const values = await form.validateFields();
    const body = Object.fromEntries(
      Object.entries(values).filter(([k, v]) => {
        if (v === undefined || v === null || String(v).trim() === '')
          return k === 'catalogueUrl' && peer.catalogueUrl !== null;
        return v !== (peer as unknown as Record<string, unknown>)[k];
      }),
    ) as OperationBody<'updatePeer'>;
    if ('catalogueUrl' in body && !body.catalogueUrl) body.catalogueUrl = null;
    if (Object.keys(body).length === 0) return onClose(null);
    setBusy(true);
    setError(null);
    try {
      const changed = await api.call('updatePeer', { params: { id: peer.id }, body });
      message.success(t('Đã lưu', 'Saved'));
      onClose(changed);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open
      title={t(`Sửa nền tảng ${peer.code}`, `Edit peer ${peer.code}`)}
      okText={t('Lưu', 'Save')}
      cancelText={t('Huỷ', 'Cancel')}
      confirmLoading={busy}
      onOk={() => void save()}
      onCancel={() => onClose(null)}
    >
      <Form
        form={form}
        layout="vertical"
        initialValues={{
          name: peer.name,
          tokenUrl: peer.tokenUrl,
          jwksUrl: peer.jwksUrl,
          catalogueUrl: peer.catalogueUrl ?? '',
          clientId: peer.clientId ?? '',
        }}
      >
        <Form.Item name="name" label={t('Tên', 'Name')}>
          <Input />
        </Form.Item>
        <Form.Item name="tokenUrl" label={t('Địa chỉ cấp token', 'Token URL')}>
          <Input />
        </Form.Item>
        <Form.Item name="jwksUrl" label={t('Địa chỉ JWKS', 'JWKS URL')}>
          <Input />
        </Form.Item>
        <Form.Item name="catalogueUrl" label={t('Địa chỉ danh mục công khai', 'Public catalogue URL')}>
          <Input />
        </Form.Item>
        <Form.Item name="clientId" label={t('Consumer key của ta tại đó', 'Our consumer key there')}>
          <Input autoComplete="off" />
        </Form.Item>
        <Form.Item
          name="clientSecret"
          label={t(
            'Secret mới của ta tại đó (để trống: giữ nguyên)',
            'Our new secret there (empty: unchanged)',
          )}
        >
          <Input.Password autoComplete="new-password" />
        </Form.Item>
      </Form>
      <ProblemAlert error={error} />
    </Modal>
  );
}

/** An OpenLGSP peer's public catalogue, read live from it, each version ready to import (operator admin). */
function PeerCatalogue({
  peer,
  version,
  onImport,
}: {
  peer: Peer;
  version: number;
  onImport: (asked: Partial<ImportForm>) => void;
}) {
  const t = useT();
  const [opened, setOpened] = useState(false);
  const readable = peer.kind === 'openlgsp' && peer.catalogueUrl !== null;
  return (
    <Card
      title={t('Danh mục của nền tảng đó', 'Its catalogue')}
      extra={
        <Space>
          {readable && !opened && (
            <Button onClick={() => setOpened(true)}>{t('Đọc danh mục', 'Read the catalogue')}</Button>
          )}
          <Button onClick={() => onImport({})}>{t('Nhập dịch vụ bằng tay', 'Import by hand')}</Button>
        </Space>
      }
    >
      {!readable && (
        <p>
          {t(
            'Chỉ nền tảng OpenLGSP có địa chỉ danh mục công khai mới đọc được danh mục; các nền tảng khác: nhập bằng tay.',
            'Only an OpenLGSP peer with a public catalogue URL has a catalogue to read; import from others by hand.',
          )}
        </p>
      )}
      {opened && <CatalogueTable peerId={peer.id} version={version} onImport={onImport} />}
    </Card>
  );
}

/**
 * The catalogue a page at a time, searched and paged by the peer itself (its public services list pages by service;
 * a row here is one version). Read again after an import, so the imported version shows as such.
 */
function CatalogueTable({
  peerId,
  version,
  onImport,
}: {
  peerId: string;
  version: number;
  onImport: (asked: Partial<ImportForm>) => void;
}) {
  const t = useT();
  const list = useServerList(
    (request) => api.call('getPeerCatalogue', { params: { id: peerId }, query: request }),
    {},
    10,
  );
  const { reload } = list;
  useEffect(() => {
    if (version > 0) reload();
  }, [version, reload]);
  return (
    <>
      <SearchBox
        label={t('Tìm trong danh mục của nền tảng đó', "Search the peer's catalogue")}
        onSearch={list.search}
      />
      <ServerTable<CatalogueEntry>
        rowKey={(e) => `${e.context}/${e.version}`}
        size="small"
        list={list}
        emptyText={t('Danh mục không có dịch vụ nào khớp', 'No service of the catalogue matches')}
        columns={[
          { title: 'Context', dataIndex: 'context', render: (c: string) => <code>{c}</code> },
          { title: t('Phiên bản', 'Version'), dataIndex: 'version' },
          { title: t('Tên', 'Name'), dataIndex: 'name' },
          {
            title: t('Nhập', 'Import'),
            render: (_, e) =>
              e.imported ? (
                <ColourTag color="green">{t('Đã nhập', 'Imported')}</ColourTag>
              ) : (
                <Button
                  size="small"
                  aria-label={t(`Nhập ${e.context} ${e.version}`, `Import ${e.context} ${e.version}`)}
                  onClick={() =>
                    onImport({ remoteContext: e.context, remoteVersion: e.version, name: e.name })
                  }
                >
                  {t('Nhập', 'Import')}
                </Button>
              ),
          },
        ]}
      />
    </>
  );
}

/** Importing a peer's version under a local context and version (production only; our consumers subscribe here). */
function ImportModal({
  peer,
  initial,
  onClose,
}: {
  peer: Peer;
  initial: Partial<ImportForm>;
  onClose: (done: boolean) => void;
}) {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<ImportForm>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async () => {
    const values = await form.validateFields();
    const body = Object.fromEntries(
      Object.entries(values).filter(([, v]) => v !== undefined && String(v).trim() !== ''),
    ) as ImportForm;
    setBusy(true);
    setError(null);
    try {
      const imported = await api.call('importPeerService', { params: { id: peer.id }, body });
      message.success(
        t(
          `Đã nhập và công bố /${imported.context}/${imported.version}`,
          `Imported and published /${imported.context}/${imported.version}`,
        ),
      );
      onClose(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open
      title={t(`Nhập dịch vụ từ ${peer.code}`, `Import a service from ${peer.code}`)}
      okText={t('Nhập và công bố', 'Import and publish')}
      cancelText={t('Huỷ', 'Cancel')}
      confirmLoading={busy}
      onOk={() => void submit()}
      onCancel={() => onClose(false)}
    >
      <Form form={form} layout="vertical" initialValues={initial}>
        <Space.Compact block>
          <Form.Item
            name="remoteContext"
            label={t('Context ở bên kia', 'Context there')}
            rules={[{ required: true, message: t('Nhập context', 'Enter the context') }]}
            style={{ width: '60%' }}
          >
            <Input />
          </Form.Item>
          <Form.Item
            name="remoteVersion"
            label={t('Phiên bản ở bên kia', 'Version there')}
            rules={[{ required: true, message: t('Nhập phiên bản', 'Enter the version') }]}
            style={{ width: '40%' }}
          >
            <Input />
          </Form.Item>
        </Space.Compact>
        <Space.Compact block>
          <Form.Item
            name="context"
            label={t('Context ở đây (trống: như bên kia)', 'Context here (empty: as there)')}
            style={{ width: '60%' }}
          >
            <Input />
          </Form.Item>
          <Form.Item
            name="version"
            label={t('Phiên bản ở đây (trống: như bên kia)', 'Version here (empty: as there)')}
            style={{ width: '40%' }}
          >
            <Input />
          </Form.Item>
        </Space.Compact>
        <Form.Item name="name" label={t('Tên dịch vụ ở đây', 'Service name here')}>
          <Input />
        </Form.Item>
      </Form>
      <ProblemAlert error={error} />
    </Modal>
  );
}

/** The services imported from the peer, paged on the server. */
function PeerImports({ peerId, version }: { peerId: string; version: number }) {
  const t = useT();
  const list = useServerList((request) =>
    api.call('listPeerImports', { params: { id: peerId }, query: request }),
  );
  const { reload } = list;
  useEffect(() => {
    if (version > 0) reload();
  }, [version, reload]);
  return (
    <Card title={t('Dịch vụ đã nhập', 'Imported services')}>
      <SearchBox
        label={t('Tìm theo context ở đây hoặc ở bên kia', 'Search by local or remote context')}
        onSearch={list.search}
      />
      <ServerTable<Import>
        rowKey="versionId"
        list={list}
        emptyText={t('Chưa nhập dịch vụ nào', 'Nothing imported yet')}
        columns={[
          {
            title: t('Ở đây', 'Here'),
            render: (_, i) => <Link to={`/services/${i.serviceId}`}>{`/${i.context}/${i.version}`}</Link>,
          },
          {
            title: t('Ở bên kia', 'There'),
            render: (_, i) => <code>{`/${i.remoteContext}/${i.remoteVersion}`}</code>,
          },
          { title: t('Nhập lúc', 'Imported'), dataIndex: 'createdAt', render: formatDateTime },
        ]}
      />
    </Card>
  );
}

/** The peer's subscriptions here and the represented organizations each allows (item 3); narrowed by the admin. */
function PeerGrants({ peer }: { peer: Peer }) {
  const t = useT();
  const { message } = App.useApp();
  const isAdmin = useCan('operator_admin');
  const list = useServerList((request) =>
    api.call('listPeerGrants', { params: { id: peer.id }, query: request }),
  );
  const [editing, setEditing] = useState<Grant | null>(null);
  const [orgs, setOrgs] = useState<string[]>([]);
  const [error, setError] = useState<unknown>(null);
  const edit = (grant: Grant | null) => {
    setError(null);
    setEditing(grant);
  };

  const save = async () => {
    if (!editing) return;
    setError(null);
    try {
      await api.call('grantPeerSubscription', {
        params: { id: peer.id },
        body: {
          subscriptionId: editing.subscriptionId,
          representedOrganizations: orgs.length > 0 ? orgs : null,
        },
      });
      message.success(t('Đã lưu giới hạn', 'Limit saved'));
      edit(null);
      list.reload();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <Card
      title={t(
        'Đăng ký khai thác của nền tảng và cơ quan được đại diện',
        'Its subscriptions and the organizations it may represent',
      )}
    >
      <SearchBox
        label={t('Tìm theo context, mã đăng ký', 'Search by context, subscription id')}
        onSearch={list.search}
      />
      <ServerTable<Grant>
        rowKey="subscriptionId"
        list={list}
        emptyText={t(
          'Nền tảng này chưa đăng ký khai thác dịch vụ nào của ta',
          'It subscribes to none of our services yet',
        )}
        columns={[
          { title: t('Dịch vụ', 'Service'), render: (_, g) => <code>{`/${g.context}/${g.version}`}</code> },
          {
            title: t('Môi trường', 'Environment'),
            dataIndex: 'environment',
            render: (e: string) => <StateTag state={e} />,
          },
          {
            title: t('Trạng thái', 'State'),
            dataIndex: 'status',
            render: (s: string) => <StateTag state={s} />,
          },
          {
            title: t('Cơ quan được đại diện', 'Represented organizations'),
            dataIndex: 'representedOrganizations',
            render: (codes: string[] | null) =>
              codes
                ? codes.map((c) => (
                    <ColourTag key={c} color="blue">
                      {c}
                    </ColourTag>
                  ))
                : t('Mọi cơ quan', 'Every organization'),
          },
          ...(isAdmin
            ? [
                {
                  title: t('Thao tác', 'Actions'),
                  render: (_: unknown, g: Grant) => (
                    <Button
                      size="small"
                      onClick={() => {
                        setOrgs(g.representedOrganizations ?? []);
                        edit(g);
                      }}
                    >
                      {t('Giới hạn', 'Limit')}
                    </Button>
                  ),
                },
              ]
            : []),
        ]}
      />
      <Modal
        open={editing !== null}
        title={t('Giới hạn theo cơ quan được đại diện', 'Limit to represented organizations')}
        okText={t('Lưu', 'Save')}
        cancelText={t('Huỷ', 'Cancel')}
        onOk={() => void save()}
        onCancel={() => edit(null)}
      >
        <p>
          {t(
            'Mã định danh các cơ quan mà nền tảng này được gọi thay; để trống: mọi cơ quan.',
            'The codes of the organizations this platform may call for; empty: every organization.',
          )}
        </p>
        <Select
          mode="tags"
          aria-label={t('Mã cơ quan được đại diện', 'Represented organization codes')}
          style={{ width: '100%' }}
          value={orgs}
          onChange={setOrgs}
          tokenSeparators={[',', ' ']}
          open={false}
        />
        <ProblemAlert error={error} />
      </Modal>
    </Card>
  );
}
