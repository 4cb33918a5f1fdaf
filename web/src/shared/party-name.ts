import { useCallback } from 'react';
import { PLATFORM_PARTIES } from '../../../src/api/contract/sandbox-try.ts';
import { type Translate, useT } from './i18n.tsx';

/**
 * The name a person reads for an organization or a system: the registry's, except the platform's own parties (its
 * sandbox test client, the provider of the shared category lists — recognised by their reserved organization
 * codes), whose names the contract gives in both languages: shown in the reader's. The one place the console and
 * the portal decide it; `code` is the organization's code (of the organization, or of the system's organization).
 */
export function partyName(kind: 'organization' | 'system', code: string, name: string, t: Translate): string {
  return platformPartyName(kind, code, t) ?? name;
}

/**
 * The platform's own party named by its reserved code alone, in the reader's language; null for any other code.
 * For the places that have the code but no name to fall back on — a record's party the reader may not look up (an
 * agency may not read another organization), which would otherwise read as a bare `000.00.00.Z00`.
 */
export function platformPartyName(
  kind: 'organization' | 'system',
  code: string | null | undefined,
  t: Translate,
): string | null {
  const platform = code ? PLATFORM_PARTIES[code] : undefined;
  if (!platform) return null;
  const names = kind === 'organization' ? platform.organizationName : platform.systemName;
  return t(names.vi, names.en);
}

/** `partyName` in the reader's language: `(kind, code, name) => name as read`, the same function per language. */
export function usePartyName(): (kind: 'organization' | 'system', code: string, name: string) => string {
  const t = useT();
  return useCallback((kind, code, name) => partyName(kind, code, name, t), [t]);
}
