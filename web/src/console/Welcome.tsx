import { Typography } from 'antd';
import { useT } from '../shared/i18n.tsx';
import { useUser } from '../shared/session.tsx';

/** The first screen after sign-in until the dashboard exists. */
export function Welcome() {
  const t = useT();
  const user = useUser();
  return (
    <Typography.Title level={1} style={{ fontSize: 24 }}>
      {t('Xin chào', 'Welcome')}, {user.displayName}
    </Typography.Title>
  );
}
