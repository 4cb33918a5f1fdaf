import { createServer, type Server } from 'node:http';
import Provider from 'oidc-provider';

// biome-ignore lint/suspicious/noExplicitAny: claims are free-form JSON
type Claims = Record<string, any>;

/**
 * A real OpenID Connect provider (`oidc-provider`, the certified implementation) on 127.0.0.1:<free port>, with
 * one confidential client that must use PKCE, its development login and consent pages, RP-initiated logout, and
 * the given people (account id → claims; any password signs them in).
 */
export async function startOidcProvider(options: {
  clientId: string;
  clientSecret: string;
  /** The console's address: its callback and the address to come back to after signing out. */
  consoleUrl: string;
  people: Record<string, Claims>;
}): Promise<{ issuer: string; stop: () => Promise<void> }> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: options.clientId,
        client_secret: options.clientSecret,
        redirect_uris: [`${options.consoleUrl}/api/v1/auth/oidc/callback`],
        post_logout_redirect_uris: [`${options.consoleUrl}/`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    pkce: { methods: ['S256'], required: () => true },
    claims: {
      openid: ['sub'],
      email: ['email'],
      profile: ['name', 'preferred_username', 'groups', 'org_code'],
    },
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    cookies: { keys: ['khoa-cookie-cua-nha-cung-cap-thu'] },
    findAccount: async (_ctx: unknown, id: string) =>
      options.people[id]
        ? { accountId: id, claims: async () => ({ sub: id, ...options.people[id] }) }
        : undefined,
  });
  server.on('request', provider.callback());
  return {
    issuer,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
