import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { api } from '../../shared/api.ts';
import { type Translate, useT } from '../../shared/i18n.tsx';
import { partyName, platformPartyName, usePartyName } from '../../shared/party-name.ts';
import { SECONDARY_TEXT } from './page.tsx';
import type { Option } from './registry-remote-select.tsx';

/**
 * Names for ids a row only refers to (a parent organization, a consumer system, a service): each looked up once
 * per page load and shared by every row that names it, instead of loading whole lists to resolve them.
 */
type Kind = 'organization' | 'system' | 'service' | 'version';

/** What a person reads for an id: its name, and the code it is known by (organization code, context). */
interface NameParts {
  name: string;
  code: string;
}

/** null: the id could not be read (gone, or not this user's to read). */
const cache = new Map<string, Promise<NameParts | null>>();

function lookUpParts(kind: Kind, id: string): Promise<NameParts | null> {
  const key = `${kind}:${id}`;
  let found = cache.get(key);
  if (!found) {
    found = (async (): Promise<NameParts> => {
      switch (kind) {
        case 'organization': {
          const o = await api.call('getOrganization', { params: { id } });
          return { name: o.name, code: o.code };
        }
        case 'system': {
          const s = await api.call('getSystem', { params: { id } });
          return { name: s.name, code: s.organizationCode };
        }
        case 'service': {
          const s = await api.call('getService', { params: { id } });
          return { name: s.name, code: s.context };
        }
        case 'version': {
          // A version is read as its service's name with the version ("Tra cứu công dân 1.0"), its path as the code.
          const v = await api.call('getVersion', { params: { id } });
          const service = await lookUpParts('service', v.serviceId);
          const path = `${v.context}/${v.version}`;
          return { name: service ? `${service.name} ${v.version}` : path, code: path };
        }
      }
    })().catch(() => null);
    cache.set(key, found);
  }
  return found;
}

/** The name a person reads (shared/party-name.ts): the platform's own parties in the reader's language. */
function shownName(kind: Kind, parts: NameParts, t: Translate): string {
  return kind === 'organization' || kind === 'system'
    ? partyName(kind, parts.code, parts.name, t)
    : parts.name;
}

/**
 * A row's own name as a person reads it — `(kind, code, name)`, the code being the organization's code (of the
 * organization, or of the system's organization): the platform's own parties in the reader's language.
 */
export const useRegistryName = usePartyName;

/**
 * The one line each kind reads as: `CODE · Name` for an organization, `Name (code)` for a system, a service or a
 * version (`Tra cứu công dân 1.0 (dancu/1.0)`; its path alone when its service cannot be read).
 */
function joined(kind: Kind, parts: NameParts, t: Translate): string {
  const name = shownName(kind, parts, t);
  if (kind === 'organization') return `${parts.code} · ${name}`;
  if (kind === 'version' && name === parts.code) return name;
  return `${name} (${parts.code})`;
}

/** Forget a name after it changed (an organization renamed on this screen). */
export function forgetName(id: string): void {
  for (const key of cache.keys()) if (key.endsWith(`:${id}`)) cache.delete(key);
}

export function RegistryName({
  kind,
  id,
  link = true,
  unreadable,
}: {
  kind: 'organization' | 'system' | 'service' | 'version';
  id: string | null | undefined;
  link?: boolean;
  /** What to show when the id cannot be read (another organization's system); the bare id when not given. */
  unreadable?: string;
}) {
  const t = useT();
  const [parts, setParts] = useState<NameParts | null | undefined>(undefined);
  useEffect(() => {
    let live = true;
    if (id) void lookUpParts(kind, id).then((p) => live && setParts(p));
    return () => {
      live = false;
    };
  }, [kind, id]);
  if (!id) return <>—</>;
  if (parts === null && unreadable !== undefined) return <>{unreadable}</>;
  // A version reads as a service does in a list: its name, the path people call it by small beside it.
  if (kind === 'version' && parts && parts.name !== parts.code)
    return <NameWithCode name={parts.name} code={parts.code} title={id} />;
  const text = parts ? joined(kind, parts, t) : id;
  const to = kind === 'system' ? `/systems/${id}` : kind === 'service' ? `/services/${id}` : null;
  return link && to ? <Link to={to}>{text}</Link> : text;
}

/**
 * Option searches over the registry lists, one small page each, for the remote selects of forms and filters: each
 * option reads as the row it names does elsewhere (`joined`), the platform's own parties in the reader's language.
 */
export const searchOrganizations = async (q: string, t: Translate): Promise<Option[]> =>
  (await api.call('listOrganizations', { query: { q: q || undefined, limit: 20, offset: 0 } })).items.map(
    (o) => ({
      value: o.id,
      label: joined('organization', { name: o.name, code: o.code }, t),
    }),
  );

export const searchSystems = async (q: string, t: Translate): Promise<Option[]> =>
  (await api.call('listSystems', { query: { q: q || undefined, limit: 20, offset: 0 } })).items.map((s) => ({
    value: s.id,
    label: joined('system', { name: s.name, code: s.organizationCode }, t),
  }));

export const searchServices = async (q: string, t: Translate): Promise<Option[]> =>
  (await api.call('listServices', { query: { q: q || undefined, limit: 20, offset: 0 } })).items.map((s) => ({
    value: s.id,
    label: joined('service', { name: s.name, code: s.context }, t),
  }));

/**
 * The systems of an agency user's own organization, read once per page load (an organization has a handful): the
 * ids it may look up itself.
 */
let ownSystems: { organizationId: string; ids: Promise<Set<string>> } | null = null;
function ownSystemIds(organizationId: string): Promise<Set<string>> {
  if (ownSystems?.organizationId !== organizationId) {
    ownSystems = {
      organizationId,
      ids: api
        .call('listSystems', { query: { organizationId, limit: 100, offset: 0 } })
        .then((answer) => new Set(answer.items.map((s) => s.id)))
        .catch(() => new Set<string>()),
    };
  }
  return ownSystems.ids;
}

const publicProviders = new Map<string, Promise<NameParts | null>>();
function publicProvider(serviceId: string): Promise<NameParts | null> {
  let found = publicProviders.get(serviceId);
  if (!found) {
    found = api
      .call('getPublicService', { params: { id: serviceId }, auth: false })
      .then((s) => ({ name: s.provider.systemName, code: s.provider.organizationCode }))
      .catch(() => null);
    publicProviders.set(serviceId, found);
  }
  return found;
}

/**
 * A service's provider system by name. An agency user may not read another organization's system (403, and the
 * screen showed the bare `sys_…` id with a link it could not open): for those the name comes from the public
 * catalogue, as the portal shows it, without a link. Operator staff and the agency's own systems: as RegistryName.
 */
export function ProviderSystemName({
  serviceId,
  systemId,
  agencyOrganizationId,
}: {
  serviceId: string;
  systemId: string;
  /** The signed-in agency user's organization; null for operator staff and auditors. */
  agencyOrganizationId: string | null;
}) {
  const t = useT();
  const [other, setOther] = useState<{ parts: NameParts | null } | null>(null);
  const [own, setOwn] = useState(agencyOrganizationId === null);
  useEffect(() => {
    let live = true;
    if (agencyOrganizationId === null) {
      setOwn(true);
      return;
    }
    void ownSystemIds(agencyOrganizationId).then(async (ids) => {
      if (!live) return;
      if (ids.has(systemId)) return setOwn(true);
      const parts = await publicProvider(serviceId);
      if (live) setOther({ parts });
    });
    return () => {
      live = false;
    };
  }, [agencyOrganizationId, serviceId, systemId]);
  if (own) return <RegistryName kind="system" id={systemId} />;
  return <>{other?.parts ? joined('system', other.parts, t) : systemId}</>;
}

/** A name with its code after it, smaller and grey: the code is what records keep, the name what a person reads. */
function NameWithCode({
  name,
  code,
  title,
  to,
}: {
  name: string;
  code: string | null;
  title?: string;
  to?: string;
}) {
  return (
    <span title={title}>
      {to ? <Link to={to}>{name}</Link> : name}
      {code && (
        <>
          {' '}
          <span style={SECONDARY_TEXT}>{code}</span>
        </>
      )}
    </span>
  );
}

/**
 * One party of a transaction record: the system by its name, its organization's code beside it. The record
 * keeps only ids and the code; the name is the registry's, now. An agency user may read only its own systems: a
 * provider of another organization is named from the public catalogue (by the record's service), a consumer of
 * another organization stays its organization's code — the system id in the tooltip either way.
 */
export function TransactionParty({
  systemId,
  organizationCode,
  serviceId = null,
  agencyOrganizationId,
}: {
  systemId: string | null;
  organizationCode: string | null;
  /** The record's service, for the provider side: its public catalogue entry names the provider. */
  serviceId?: string | null;
  /** The signed-in agency user's organization; null for operator staff and auditors. */
  agencyOrganizationId: string | null;
}) {
  const t = useT();
  const [parts, setParts] = useState<{ found: NameParts | null; own: boolean } | null>(null);
  useEffect(() => {
    let live = true;
    if (!systemId) return;
    void (async () => {
      const own = agencyOrganizationId === null || (await ownSystemIds(agencyOrganizationId)).has(systemId);
      const found = own
        ? await lookUpParts('system', systemId)
        : serviceId
          ? await publicProvider(serviceId)
          : null;
      if (live) setParts({ found, own });
    })();
    return () => {
      live = false;
    };
  }, [systemId, serviceId, agencyOrganizationId]);
  // The platform's own parties are named from their reserved code, in the reader's language, even where the reader
  // may not look their system up: a provider agency reads the platform's try of its version as a named caller.
  const platformName = platformPartyName('system', organizationCode, t);
  if (platformName && organizationCode) {
    return (
      <NameWithCode
        name={platformName}
        code={organizationCode}
        title={systemId ?? undefined}
        to={systemId && agencyOrganizationId === null ? `/systems/${systemId}` : undefined}
      />
    );
  }
  if (!systemId) return <>{organizationCode ?? '—'}</>;
  if (!parts?.found) return <span title={systemId}>{organizationCode ?? systemId}</span>;
  return (
    <NameWithCode
      name={shownName('system', parts.found, t)}
      code={organizationCode ?? parts.found.code}
      title={systemId}
      to={parts.own ? `/systems/${systemId}` : undefined}
    />
  );
}

/** A transaction's service by its name, `context/version` beside it; the bare `context/version` when unreadable. */
export function TransactionService({
  serviceId,
  context,
  version,
}: {
  serviceId: string | null;
  context: string | null;
  version: string | null;
}) {
  const [found, setFound] = useState<NameParts | null>(null);
  useEffect(() => {
    let live = true;
    if (serviceId) void lookUpParts('service', serviceId).then((p) => live && setFound(p));
    return () => {
      live = false;
    };
  }, [serviceId]);
  const path = context ? `${context}/${version ?? ''}` : null;
  if (!found) return <>{path ?? '—'}</>;
  return <NameWithCode name={found.name} code={path} title={serviceId ?? undefined} />;
}

/**
 * A service version a row names itself (a subscription request carries the service's name, context and version):
 * as RegistryName reads a version — `Tra cứu công dân 1.0`, `dancu/1.0` small beside it.
 */
export function ServiceVersionName({
  serviceName,
  context,
  version,
}: {
  serviceName: string;
  context: string;
  version: string;
}) {
  return <NameWithCode name={`${serviceName} ${version}`} code={`${context}/${version}`} />;
}

/**
 * An organization by its name, its code small beside it, where a row carries both its id and its code: the code
 * alone when the name cannot be read.
 */
export function OrganizationName({ id, code }: { id: string; code: string }) {
  const t = useT();
  const [found, setFound] = useState<NameParts | null>(null);
  useEffect(() => {
    let live = true;
    void lookUpParts('organization', id).then((p) => live && setFound(p));
    return () => {
      live = false;
    };
  }, [id]);
  return found ? <NameWithCode name={shownName('organization', found, t)} code={code} title={id} /> : code;
}
