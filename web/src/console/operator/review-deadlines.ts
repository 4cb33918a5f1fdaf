import { useEffect, useState } from 'react';
import { api, type OperationResponse } from '../../shared/api.ts';

type ReviewItem = OperationResponse<'getDashboard'>['reviews']['items'][number];
export type ReviewDeadline = ReviewItem['age'];

/**
 * The deadline of each waiting request of one kind, as the platform computes it (2 working days with the
 * province's holidays, Decree 194/2025) — read from the dashboard's review list, never recounted in the browser.
 * The dashboard lists the 50 oldest; a younger request beyond those shows its age only.
 */
export function useReviewDeadlines(kind: ReviewItem['kind']): Map<string, ReviewDeadline> {
  const [deadlines, setDeadlines] = useState<Map<string, ReviewDeadline>>(new Map());
  useEffect(() => {
    let live = true;
    api
      .call('getDashboard', { query: { bucket: 'day' } })
      .then((dashboard) => {
        if (!live) return;
        setDeadlines(
          new Map(dashboard.reviews.items.filter((r) => r.kind === kind).map((r) => [r.id, r.age])),
        );
      })
      .catch(() => {});
    return () => {
      live = false;
    };
  }, [kind]);
  return deadlines;
}
