import { SwapOutlined } from '@ant-design/icons';
import { Space, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { api, type OperationResponse } from '../../shared/api.ts';
import { useT } from '../../shared/i18n.tsx';
import { StateTag, useStateName } from '../../shared/tags.tsx';
import { useOrganizationId } from './common.tsx';

type Subscription = OperationResponse<'getSubscription'>;
type SubscriptionRequest = OperationResponse<'listSubscriptionRequests'>['items'][number];

/**
 * The subscription request form opened to move `subscriptionId` to the version that replaces it: the page reads
 * the subscription and fills the form from it (its system, the replacement version, the terms it was granted on).
 */
export function moveHref(subscriptionId: string): string {
  return `/agency-subscriptions?move=${encodeURIComponent(subscriptionId)}`;
}

/** What stands between a subscription and its replacement version, for the same system. */
type Standing =
  | { kind: 'offer' }
  | { kind: 'subscribed'; environment: string }
  | { kind: 'requested'; request: SubscriptionRequest };

/**
 * The step a consumer takes when its version is being retired and a newer one is published: "Chuyển sang phiên
 * bản X" opens the request form filled in for it. Where the system already uses X in the same environment, or a
 * request for X is under way (or granted), that is said instead — the platform would refuse a second request. Nothing
 * for a service's decommission or a sunset with no newer version: there is nothing to move to.
 */
export function MoveToReplacement({ subscription }: { subscription: Subscription }) {
  const t = useT();
  const stateName = useStateName();
  const organizationId = useOrganizationId();
  const replacementId = subscription.ending?.replacementVersionId ?? null;
  const replacement = subscription.ending?.replacementVersion ?? '';
  const [standing, setStanding] = useState<Standing | null>(null);
  useEffect(() => {
    setStanding(null);
    if (!replacementId) return;
    let live = true;
    const { systemId, environment } = subscription;
    Promise.all([
      api.call('listSubscriptions', {
        query: { systemId, versionId: replacementId, environment, limit: 10, offset: 0 },
      }),
      api.call('listSubscriptionRequests', { query: { organizationId, systemId, versionId: replacementId } }),
    ])
      .then(([subscriptions, requests]) => {
        if (!live) return;
        const using = subscriptions.items.find((s) => s.status !== 'revoked');
        // A rejected request is closed: the agency may ask again.
        const open = requests.items.find((r) => r.status !== 'rejected');
        setStanding(
          using
            ? { kind: 'subscribed', environment: using.environment }
            : open
              ? { kind: 'requested', request: open }
              : { kind: 'offer' },
        );
      })
      // Unknown standing: the link is offered, and the form says why if the platform refuses.
      .catch(() => live && setStanding({ kind: 'offer' }));
    return () => {
      live = false;
    };
  }, [subscription, replacementId, organizationId]);

  if (!replacementId || !standing) return null;
  if (standing.kind === 'subscribed') {
    const env = stateName(standing.environment);
    return (
      <Typography.Text data-testid="move-standing">
        {t(
          `Hệ thống đã đăng ký phiên bản ${replacement} (${env}).`,
          `The system already uses version ${replacement} (${env}).`,
        )}
      </Typography.Text>
    );
  }
  if (standing.kind === 'requested') {
    return (
      <Space size={4} wrap data-testid="move-standing">
        <Typography.Text>
          {t(`Đã đề nghị khai thác phiên bản ${replacement}:`, `Version ${replacement} already requested:`)}
        </Typography.Text>
        <StateTag state={standing.request.status} />
      </Space>
    );
  }
  return (
    <Link to={moveHref(subscription.id)}>
      <SwapOutlined aria-hidden />{' '}
      {t(`Chuyển sang phiên bản ${replacement}`, `Move to version ${replacement}`)}
    </Link>
  );
}
