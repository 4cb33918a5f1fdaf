import type { FastifyRequest, preHandlerAsyncHookHandler } from 'fastify';
import type { Registry } from '../control/registry/index.ts';
import { LgspError } from '../core/errors.ts';
import { assertOwnOrganization, currentUser, seesEverything } from './auth.ts';

/**
 * Which organization an object belongs to, resolved through the registry (issue 3: agency users act only for
 * their own organization, R-24, R-27). A system belongs to its organization; a service, its versions and its
 * provider-side objects to the organization of its provider system; a credential to its system's organization;
 * a subscription to both sides — the consumer system's organization and the provider's.
 * Unknown ids throw the registry's own 404, so a typo is not reported as a refusal.
 */
export class Ownership {
  constructor(private readonly registry: Registry) {}

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
   * A preHandler that refuses (403 API_FORBIDDEN) an agency user when the object the request names belongs to
   * another organization. It runs after validation and before the handler, so nothing is written; operator
   * staff and auditors pass without a lookup (their role was already checked by `requireRole`).
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
