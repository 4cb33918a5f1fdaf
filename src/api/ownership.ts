import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Registry } from '../control/registry/index.ts';
import { type ErrorCode, LgspError } from '../core/errors.ts';
import { assertOwnOrganization, currentUser, seesEverything } from './auth.ts';

/** Whether an organization's object list includes `organizationId` (unknown ids throw their own 404). */
const ownedBy = async (owners: Promise<string | string[]>, organizationId: string) =>
  [await owners].flat().includes(organizationId);

/**
 * The objects whose existence is not public — what the portal does not show — each with the 404 an unknown id
 * of its kind gets, and whether an organization may see one: systems, credentials and subscriptions (both sides,
 * but never the platform's sandbox test client's) its own; services and versions its own or in the catalogue (a
 * draft or a version under review is not).
 */
const HIDDEN = {
  system: { notFound: 'CP_SYSTEM_NOT_FOUND', seen: (o, id, org) => ownedBy(o.ofSystem(id), org) },
  credential: { notFound: 'CP_CREDENTIAL_NOT_FOUND', seen: (o, id, org) => ownedBy(o.ofCredential(id), org) },
  subscription: {
    notFound: 'CP_SUBSCRIPTION_NOT_FOUND',
    // The platform's sandbox test client's subscriptions are the operator's alone, as in the list (subscriptions.ts).
    seen: async (o, id, org) => {
      const { systemId, versionId } = await o.registry.getSubscription(id);
      if (await o.registry.isPlatformTestClient(systemId)) return false;
      return ownedBy(Promise.all([o.ofSystem(systemId), o.ofVersion(versionId)]), org);
    },
  },
  service: { notFound: 'CP_SERVICE_NOT_FOUND', seen: (o, id, org) => o.registry.serviceVisibleTo(id, org) },
  version: { notFound: 'CP_VERSION_NOT_FOUND', seen: (o, id, org) => o.registry.versionVisibleTo(id, org) },
} as const satisfies Record<
  string,
  { notFound: ErrorCode; seen: (o: Ownership, id: string, organizationId: string) => Promise<boolean> }
>;
export type HiddenKind = keyof typeof HIDDEN;

/**
 * Which organization an object belongs to, resolved through the registry (issue 3: agency users act only for
 * their own organization, R-24, R-27). A system belongs to its organization; a service, its versions and its
 * provider-side objects to the organization of its provider system; a credential to its system's organization;
 * a subscription to both sides — the consumer system's organization and the provider's.
 * Unknown ids throw the registry's own 404, so a typo is not reported as a refusal.
 */
export class Ownership {
  constructor(readonly registry: Registry) {}

  async ofSystem(systemId: string): Promise<string> {
    return (await this.registry.getSystem(systemId)).organizationId;
  }

  async ofService(serviceId: string): Promise<string> {
    return this.ofSystem((await this.registry.getService(serviceId)).providerSystemId);
  }

  async ofVersion(versionId: string): Promise<string> {
    return this.ofService((await this.registry.getVersion(versionId)).serviceId);
  }

  async ofCredential(credentialId: string): Promise<string> {
    return this.ofSystem((await this.registry.getCredential(credentialId)).systemId);
  }

  /** Consumer side first, then provider side. */
  async ofSubscription(subscriptionId: string): Promise<[string, string]> {
    const subscription = await this.registry.getSubscription(subscriptionId);
    return [await this.ofSystem(subscription.systemId), await this.ofVersion(subscription.versionId)];
  }

  /**
   * A preHandler that answers an agency user naming an object it may not see — another organization's system,
   * credential or subscription, or a service or version of another organization that is not in the catalogue
   * (`id`: the path's `:id` unless given, e.g. an id in the body) — exactly as an unknown id is answered: the
   * kind's 404 with the id, so that no answer tells which ids exist in another organization. Nothing is
   * written; operator staff and auditors pass without a lookup.
   */
  hides(kind: HiddenKind, id: (request: FastifyRequest) => string = paramId): preHandlerAsyncHookHandler {
    const { notFound, seen } = HIDDEN[kind];
    return async (request) => {
      const user = currentUser(request);
      if (seesEverything(user)) return;
      const named = id(request);
      if (!user.organizationId || !(await seen(this, named, user.organizationId))) {
        throw new LgspError(notFound, named);
      }
    };
  }

  /**
   * A preHandler that refuses (403 API_FORBIDDEN) an agency user when the object the request names belongs to
   * another organization — for objects everyone may know exist (services and versions of the catalogue,
   * organizations); the others are `hides`. It runs after validation and before the handler, so nothing is
   * written; operator staff and auditors pass without a lookup (their role was already checked by `requireRole`).
   */
  owns(
    lookup: (request: FastifyRequest, ownership: Ownership) => Promise<string | string[]>,
  ): preHandlerAsyncHookHandler {
    return async (request) => {
      const user = currentUser(request);
      if (seesEverything(user)) return;
      assertOwnOrganization(user, ...[await lookup(request, this)].flat());
    };
  }
}

/** `request.params.id`, for the lookups of `/things/:id` routes. */
export function paramId(request: FastifyRequest): string {
  return (request.params as { id: string }).id;
}

/**
 * A preHandler that refuses (403 API_FORBIDDEN) anyone but an operator administrator who sends one of `fields`:
 * the parts of an object an agency may not set on its own, such as a system's status or a version's status
 * (suspending, publishing), which are the operator's decisions.
 */
export function operatorOnlyFields(
  fields: string[],
  /** A value that anyone allowed on the route may send for a field, because it decides nothing (`draft`). */
  harmless: Record<string, unknown> = {},
): preHandlerAsyncHookHandler {
  return async (request) => {
    const user = currentUser(request);
    if (user.role === 'operator_admin') return;
    const body = (request.body ?? {}) as Record<string, unknown>;
    const sent = fields.filter((f) => body[f] !== undefined && body[f] !== harmless[f]);
    if (sent.length > 0) {
      throw new LgspError(
        'API_FORBIDDEN',
        `chỉ quản trị viên Sở TT&TT được đặt / only an operator administrator may set: ${sent.join(', ')}`,
      );
    }
  };
}
