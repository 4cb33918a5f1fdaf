import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import { api } from '../../shared/api.ts';
import type { Option } from './registry-remote-select.tsx';

/**
 * Names for ids a row only refers to (a parent organization, a consumer system, a service): each looked up once
 * per page load and shared by every row that names it, instead of loading whole lists to resolve them.
 */
const cache = new Map<string, Promise<string>>();

function lookUp(kind: 'organization' | 'system' | 'service' | 'version', id: string): Promise<string> {
  const key = `${kind}:${id}`;
  let found = cache.get(key);
  if (!found) {
    found = (async () => {
      switch (kind) {
        case 'organization': {
          const o = await api.call('getOrganization', { params: { id } });
          return `${o.code} · ${o.name}`;
        }
        case 'system': {
          const s = await api.call('getSystem', { params: { id } });
          return `${s.name} (${s.organizationCode})`;
        }
        case 'service': {
          const s = await api.call('getService', { params: { id } });
          return `${s.name} (${s.context})`;
        }
        case 'version': {
          const v = await api.call('getVersion', { params: { id } });
          return `${v.context}/${v.version}`;
        }
      }
    })().catch(() => id);
    cache.set(key, found);
  }
  return found;
}

/** Forget a name after it changed (an organization renamed on this screen). */
export function forgetName(id: string): void {
  for (const key of cache.keys()) if (key.endsWith(`:${id}`)) cache.delete(key);
}

export function RegistryName({
  kind,
  id,
  link = true,
}: {
  kind: 'organization' | 'system' | 'service' | 'version';
  id: string | null | undefined;
  link?: boolean;
}) {
  const [name, setName] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    if (id) void lookUp(kind, id).then((n) => live && setName(n));
    return () => {
      live = false;
    };
  }, [kind, id]);
  if (!id) return <>—</>;
  const text = name ?? id;
  const to = kind === 'system' ? `/systems/${id}` : kind === 'service' ? `/services/${id}` : null;
  return link && to ? <Link to={to}>{text}</Link> : text;
}

/** Option searches over the registry lists, one small page each, for the remote selects of forms and filters. */
export const searchOrganizations = async (q: string): Promise<Option[]> =>
  (await api.call('listOrganizations', { query: { q: q || undefined, limit: 20, offset: 0 } })).items.map(
    (o) => ({
      value: o.id,
      label: `${o.code} · ${o.name}`,
    }),
  );

export const searchSystems = async (q: string): Promise<Option[]> =>
  (await api.call('listSystems', { query: { q: q || undefined, limit: 20, offset: 0 } })).items.map((s) => ({
    value: s.id,
    label: `${s.name} (${s.organizationCode})`,
  }));

export const searchServices = async (q: string): Promise<Option[]> =>
  (await api.call('listServices', { query: { q: q || undefined, limit: 20, offset: 0 } })).items.map((s) => ({
    value: s.id,
    label: `${s.name} (${s.context})`,
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

const publicProviders = new Map<string, Promise<string | null>>();
function publicProvider(serviceId: string): Promise<string | null> {
  let found = publicProviders.get(serviceId);
  if (!found) {
    found = api
      .call('getPublicService', { params: { id: serviceId }, auth: false })
      .then((s) => `${s.provider.systemName} (${s.provider.organizationCode})`)
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
  const [other, setOther] = useState<{ name: string | null } | null>(null);
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
      const name = await publicProvider(serviceId);
      if (live) setOther({ name });
    });
    return () => {
      live = false;
    };
  }, [agencyOrganizationId, serviceId, systemId]);
  if (own) return <RegistryName kind="system" id={systemId} />;
  return <>{other?.name ?? systemId}</>;
}
