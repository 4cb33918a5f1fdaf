import { Tooltip } from 'antd';
import type { ReactNode } from 'react';
import { ERRORS } from '../../../src/core/errors.ts';
import { useT } from './i18n.tsx';

/** What a code of the one error registry (src/core/errors.ts) means, in the language shown; null for no code. */
export function useErrorMeaning(): (code: string | null | undefined) => string | null {
  const t = useT();
  return (code) => {
    if (!code) return null;
    const spec = (ERRORS as Record<string, { titleVi: string; title: string } | undefined>)[code];
    return spec ? t(spec.titleVi, spec.title) : null;
  };
}

/**
 * A recorded error code and what it means: `GW_RESOURCE_NOT_FOUND — Dịch vụ không có tài nguyên này`. A newcomer
 * reading a transaction saw the bare code; docs/errors.md lists them all. A code the registry does not know (a
 * record older than a rename) shows alone.
 */
export function ErrorCodeText({ code }: { code: string | null | undefined }) {
  const meaning = useErrorMeaning()(code);
  if (!code) return <>—</>;
  return (
    <span>
      <code>{code}</code>
      {meaning ? ` — ${meaning}` : null}
    </span>
  );
}

/** Its children with the meaning of the record's error code as a tooltip, when there is one. */
export function WithErrorMeaning({
  code,
  children,
}: {
  code: string | null | undefined;
  children: ReactNode;
}) {
  const meaning = useErrorMeaning()(code);
  return meaning ? (
    <Tooltip title={`${code} — ${meaning}`}>
      <span>{children}</span>
    </Tooltip>
  ) : (
    children
  );
}
