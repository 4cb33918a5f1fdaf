import { Button, Card, Form, Input, Select, Table, Typography } from 'antd';
import { useEffect, useState } from 'react';
import {
  SIGN_IN_METHODS,
  SIGN_IN_OUTCOMES,
  type SignIn,
  type SignInMethod,
  type SignInOutcome,
} from '../../../../src/api/contract/sign-ins.ts';
import { api } from '../../shared/api.ts';
import { type Translate, useT } from '../../shared/i18n.tsx';
import { useTableScroll } from '../../shared/table-scroll.ts';
import { ColourTag } from '../../shared/tags.tsx';
import { formatDateTime } from '../../shared/time.ts';
import { ProblemAlert, READABLE_PLACEHOLDER } from '../components/page.tsx';
import { useKeysetList } from '../components/registry-keyset.ts';
import { KeysetPager } from '../components/registry-keyset-pager.tsx';
import { lastHours, type TimeRange, TimeRangePicker } from '../components/registry-time-range.tsx';
import { ServerTable } from '../components/server-table.tsx';

/** Each outcome in words and a colour (docs/security.md §2.14); the code stays beside it for the CLI's --outcome. */
const OUTCOMES: Record<SignInOutcome, { vi: string; en: string; color: string }> = {
  success: { vi: 'Thành công', en: 'Success', color: 'green' },
  wrong_password: { vi: 'Sai mật khẩu', en: 'Wrong password', color: 'orange' },
  unknown_user: { vi: 'Không có tài khoản', en: 'Unknown user', color: 'orange' },
  disabled: { vi: 'Tài khoản bị vô hiệu hoá', en: 'Account disabled', color: 'red' },
  password_not_set: { vi: 'Tài khoản chỉ SSO', en: 'SSO-only account', color: 'orange' },
  locked: { vi: 'Đang bị khoá', en: 'Locked', color: 'red' },
  oidc_refused: { vi: 'SSO bị từ chối', en: 'SSO refused', color: 'red' },
};

const METHODS: Record<SignInMethod, [vi: string, en: string]> = {
  password: ['Mật khẩu (API, CLI)', 'Password (API, CLI)'],
  console: ['Bảng điều khiển', 'Console'],
  oidc: ['SSO', 'SSO'],
};

function OutcomeTag({ signIn, t }: { signIn: SignIn; t: Translate }) {
  const o = OUTCOMES[signIn.outcome];
  return (
    <ColourTag color={o.color}>
      {t(o.vi, o.en)}
      {signIn.reason ? ` (${signIn.reason})` : ''}
    </ColourTag>
  );
}

/**
 * How many attempts a row stands for: failures that name no account are folded per address and hour (refusals while
 * an account is locked, per account too), and beyond the hour's bound into one row for every address
 * (docs/security.md §2.14) — so an attack shows as counts, not as pages.
 */
function Attempts({ signIn, t }: { signIn: SignIn; t: Translate }) {
  if (signIn.folded === null) return <>1</>;
  return (
    <span>
      <Typography.Text strong>{t(`${signIn.attempts} lần`, `${signIn.attempts} attempts`)}</Typography.Text>{' '}
      <Typography.Text type="secondary">
        {signIn.folded === 'overflow'
          ? t('vượt giới hạn của giờ, mọi địa chỉ', "beyond the hour's bound, any address")
          : t('gộp trong giờ', 'folded for the hour')}
      </Typography.Text>
    </span>
  );
}

/** When: the attempt's time, or a folded row's first and last (one time when they fall in the same minute). */
function when(s: SignIn): string {
  const first = formatDateTime(s.at);
  const last = s.lastAt ? formatDateTime(s.lastAt) : first;
  return last === first ? first : `${first} – ${last}`;
}

function columns(t: Translate, withUser: boolean) {
  return [
    { title: t('Thời điểm', 'At'), key: 'at', render: (_: unknown, s: SignIn) => when(s) },
    ...(withUser
      ? [
          {
            title: t('Tên đăng nhập', 'Username'),
            dataIndex: 'username',
            render: (name: string | null) => name ?? '—',
          },
        ]
      : []),
    {
      title: t('Cách đăng nhập', 'Method'),
      dataIndex: 'method',
      render: (m: SignInMethod) => t(...METHODS[m]),
    },
    {
      title: t('Kết quả', 'Outcome'),
      key: 'outcome',
      render: (_: unknown, s: SignIn) => <OutcomeTag signIn={s} t={t} />,
    },
    ...(withUser
      ? [
          {
            title: t('Số lần', 'Attempts'),
            key: 'attempts',
            render: (_: unknown, s: SignIn) => <Attempts signIn={s} t={t} />,
          },
        ]
      : []),
    {
      title: t('Địa chỉ', 'Address'),
      key: 'address',
      render: (_: unknown, s: SignIn) =>
        s.folded === 'overflow' ? t('nhiều địa chỉ', 'many addresses') : <code>{s.address || '—'}</code>,
    },
    {
      title: t('Trình duyệt', 'Browser'),
      dataIndex: 'userAgent',
      render: (ua: string) => (
        <Typography.Text type="secondary" ellipsis={{ tooltip: ua }} style={{ maxWidth: 260 }}>
          {ua || '—'}
        </Typography.Text>
      ),
    },
  ];
}

interface SignInFilters {
  from: string;
  to: string;
  username?: string;
  outcome?: SignInOutcome;
  method?: SignInMethod;
  [key: string]: unknown;
}

interface SignInForm {
  username?: string;
  outcome?: SignInOutcome;
  method?: SignInMethod;
}

/**
 * The sign-in history (docs/security.md §2.14), for operator administrators and auditors: every attempt to sign in
 * — failed ones, names with no account (folded per address and hour, with their count) — newest first, by period
 * (Vietnam time), name, outcome and method.
 */
export function SignInHistory() {
  const t = useT();
  const [range, setRange] = useState<TimeRange>(() => lastHours(24 * 30));
  const [form] = Form.useForm<SignInForm>();
  const list = useKeysetList((request) => api.call('listSignIns', { query: request }), {
    from: range[0],
    to: range[1],
  } as SignInFilters);

  const apply = (values: SignInForm) => {
    const filters: SignInFilters = { from: range[0], to: range[1] };
    const username = typeof values.username === 'string' ? values.username.trim() : '';
    if (username) filters.username = username;
    if (values.outcome) filters.outcome = values.outcome;
    if (values.method) filters.method = values.method;
    list.setFilters(filters);
  };

  return (
    <>
      <Card style={{ marginBottom: 16 }}>
        <Form form={form} layout="inline" onFinish={apply} style={{ rowGap: 12 }}>
          <Form.Item label={t('Thời gian (giờ Việt Nam)', 'Time (Vietnam time)')}>
            <TimeRangePicker value={range} onChange={setRange} />
          </Form.Item>
          <Form.Item name="username" label={t('Tên đăng nhập', 'Username')}>
            <Input allowClear maxLength={100} style={{ width: 200 }} />
          </Form.Item>
          <Form.Item name="outcome" label={t('Kết quả', 'Outcome')}>
            <Select
              allowClear
              style={{ width: 220 }}
              placeholder={t('Mọi kết quả', 'Any outcome')}
              styles={READABLE_PLACEHOLDER}
              options={SIGN_IN_OUTCOMES.map((o) => ({ value: o, label: t(OUTCOMES[o].vi, OUTCOMES[o].en) }))}
            />
          </Form.Item>
          <Form.Item name="method" label={t('Cách đăng nhập', 'Method')}>
            <Select
              allowClear
              style={{ width: 200 }}
              placeholder={t('Mọi cách', 'Any method')}
              styles={READABLE_PLACEHOLDER}
              options={SIGN_IN_METHODS.map((m) => ({ value: m, label: t(...METHODS[m]) }))}
            />
          </Form.Item>
          <Form.Item>
            <Button htmlType="submit">{t('Lọc', 'Filter')}</Button>
          </Form.Item>
        </Form>
      </Card>
      <ServerTable<SignIn>
        list={list}
        rowKey="id"
        emptyText={t('Không có lần đăng nhập nào trong khoảng này', 'No sign-in in this range')}
        columns={columns(t, true)}
      />
      <KeysetPager
        page={list.page}
        hasPrevious={list.hasPrevious}
        hasNext={list.hasNext}
        onPrevious={list.previous}
        onNext={list.next}
      />
    </>
  );
}

/**
 * The signed-in person's own last sign-ins (failed ones too), so they notice one that was not theirs: the newest
 * ten, on the change-password page.
 */
export function MyRecentSignIns() {
  const t = useT();
  // Scrolls sideways on a phone only, as every list's table (a table always scrolling is a region no keyboard reaches).
  const scroll = useTableScroll<SignIn>();
  const [items, setItems] = useState<SignIn[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    let live = true;
    api
      .call('listOwnSignIns', { query: { limit: 10 } })
      .then((page) => live && setItems(page.items))
      .catch((err) => live && setError(err));
    return () => {
      live = false;
    };
  }, []);
  return (
    <section aria-labelledby="my-sign-ins" style={{ marginTop: 32 }}>
      <Typography.Title level={4} id="my-sign-ins">
        {t('Các lần đăng nhập gần đây của bạn', 'Your recent sign-ins')}
      </Typography.Title>
      <Typography.Paragraph type="secondary">
        {t(
          'Kể cả các lần sai. Nếu có lần nào không phải bạn, hãy đổi mật khẩu và báo quản trị viên.',
          'Failed ones too. If one was not you, change your password and tell an administrator.',
        )}
      </Typography.Paragraph>
      <ProblemAlert error={error} />
      <Table<SignIn>
        rowKey="id"
        size="small"
        loading={items === null && error === null}
        dataSource={items ?? []}
        pagination={false}
        scroll={scroll}
        locale={{ emptyText: t('Chưa có lần đăng nhập nào', 'No sign-in yet') }}
        columns={columns(t, false)}
      />
    </section>
  );
}
