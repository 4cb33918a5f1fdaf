import { App, Button, Popconfirm, Space } from 'antd';
import { useState } from 'react';
import { api, type OperationResponse } from '../../shared/api.ts';
import { useT } from '../../shared/i18n.tsx';
import { useServerList } from '../../shared/server-list.ts';
import { ENVIRONMENTS, StateTag, useStateOptions } from '../../shared/tags.tsx';
import { formatDateTime } from '../../shared/time.ts';
import { CancelSubscriptionButton } from '../components/cancel-subscription.tsx';
import { EndingTag, type SubscriptionEnding } from '../components/ending.tsx';
import { FilterSelect, PageTitle, ProblemAlert, SearchBox, useCan } from '../components/page.tsx';
import { RegistryName, searchSystems } from '../components/registry-names.tsx';
import { RemoteSelect } from '../components/registry-remote-select.tsx';
import { ServerTable } from '../components/server-table.tsx';

type Subscription = OperationResponse<'getSubscription'>;

type SubscriptionFilters = {
  systemId?: string;
  status?: string;
  environment?: string;
};

/**
 * Subscriptions: which consumer system uses which version in which environment, with its quotas.
 * The operator administrator suspends, resumes and cancels for the consumer; an agency cancels its own on
 * its "Đề nghị khai thác" screen (agency/Subscriptions.tsx).
 */
export function Subscriptions() {
  const t = useT();
  const { message } = App.useApp();
  const canSuspend = useCan('operator_admin');
  const canCancel = canSuspend;
  const stateOptions = useStateOptions();
  const [filters, setFilters] = useState<SubscriptionFilters>({});
  const list = useServerList(
    (request) => api.call('listSubscriptions', { query: request }),
    {} as SubscriptionFilters,
  );
  const filter = (next: SubscriptionFilters) => {
    setFilters(next);
    list.setFilters(next);
  };

  // A refusal stays on the screen with its code (ProblemAlert), not in a toast gone in three seconds.
  const [error, setError] = useState<unknown>(null);
  const act = async (work: () => Promise<unknown>, done: string) => {
    setError(null);
    try {
      await work();
      message.success(done);
      list.reload();
    } catch (err) {
      setError(err);
    }
  };

  return (
    <>
      <PageTitle>{t('Đăng ký khai thác', 'Subscriptions')}</PageTitle>
      <ProblemAlert error={error} />
      <Space wrap align="start">
        <SearchBox
          label={t('Tìm theo hệ thống khai thác, context', 'Search by consumer system, context')}
          onSearch={list.search}
        />
        <RemoteSelect
          ariaLabel={t('Lọc theo hệ thống khai thác', 'Filter by consumer system')}
          placeholder={t('Mọi hệ thống', 'Any system')}
          search={searchSystems}
          value={filters.systemId}
          onChange={(systemId) => filter({ ...filters, systemId })}
        />
        <FilterSelect
          label={t('Lọc theo môi trường', 'Filter by environment')}
          placeholder={t('Mọi môi trường', 'Any environment')}
          value={filters.environment}
          onChange={(environment) => filter({ ...filters, environment })}
          options={stateOptions(ENVIRONMENTS)}
        />
        <FilterSelect
          label={t('Lọc theo trạng thái', 'Filter by state')}
          placeholder={t('Mọi trạng thái', 'Any state')}
          value={filters.status}
          onChange={(status) => filter({ ...filters, status })}
          options={stateOptions(['active', 'suspended', 'revoked'])}
        />
      </Space>
      <ServerTable<Subscription>
        list={list}
        emptyText={t('Chưa có đăng ký nào', 'No subscription yet')}
        columns={[
          {
            title: t('Hệ thống khai thác', 'Consumer system'),
            dataIndex: 'systemId',
            render: (id: string) => <RegistryName kind="system" id={id} />,
          },
          {
            title: t('Phiên bản dịch vụ', 'Service version'),
            dataIndex: 'versionId',
            render: (id: string) => <RegistryName kind="version" id={id} />,
          },
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
            title: t('Hạn mức', 'Quota'),
            render: (_, s) =>
              [
                s.quotaPerMinute !== null && t(`${s.quotaPerMinute}/phút`, `${s.quotaPerMinute}/min`),
                s.quotaPerDay !== null && t(`${s.quotaPerDay}/ngày`, `${s.quotaPerDay}/day`),
                s.timeOfUse,
              ]
                .filter(Boolean)
                .join(' · ') || t('Không giới hạn', 'Unlimited'),
          },
          {
            // The version's sunset or the service's decommission: whom the operator may have to chase.
            title: t('Ngừng từ', 'Ends'),
            dataIndex: 'ending',
            render: (ending: SubscriptionEnding | null) => (ending ? <EndingTag ending={ending} /> : '—'),
          },
          { title: t('Cập nhật', 'Updated'), dataIndex: 'updatedAt', render: formatDateTime },
          ...(canSuspend || canCancel
            ? [
                {
                  title: t('Thao tác', 'Actions'),
                  render: (_: unknown, s: Subscription) =>
                    s.status !== 'revoked' && (
                      <Space>
                        {canSuspend && s.status === 'active' && (
                          <Popconfirm
                            title={t('Tạm dừng đăng ký này?', 'Suspend this subscription?')}
                            description={t(
                              'Cổng kết nối từ chối các lời gọi của nó cho đến khi tiếp tục.',
                              'The gateway refuses its calls until it is resumed.',
                            )}
                            okText={t('Tạm dừng', 'Suspend')}
                            cancelText={t('Huỷ', 'Cancel')}
                            onConfirm={() =>
                              act(
                                () =>
                                  api.call('updateSubscription', {
                                    params: { id: s.id },
                                    body: { status: 'suspended' },
                                  }),
                                t('Đã tạm dừng', 'Suspended'),
                              )
                            }
                          >
                            <Button size="small">{t('Tạm dừng', 'Suspend')}</Button>
                          </Popconfirm>
                        )}
                        {canSuspend && s.status === 'suspended' && (
                          <Button
                            size="small"
                            onClick={() =>
                              act(
                                () =>
                                  api.call('updateSubscription', {
                                    params: { id: s.id },
                                    body: { status: 'active' },
                                  }),
                                t('Đã cho hoạt động lại', 'Resumed'),
                              )
                            }
                          >
                            {t('Tiếp tục', 'Resume')}
                          </Button>
                        )}
                        {canCancel && (
                          <CancelSubscriptionButton
                            onConfirm={() =>
                              act(
                                () => api.call('cancelSubscription', { params: { id: s.id }, body: {} }),
                                t('Đã huỷ đăng ký', 'Subscription cancelled'),
                              )
                            }
                          />
                        )}
                      </Space>
                    ),
                },
              ]
            : []),
        ]}
      />
    </>
  );
}
