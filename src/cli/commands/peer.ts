import { readFileSync } from 'node:fs';
import { list, PERIOD_NOTE, PERIOD_SYNOPSIS, required, str, textOptions, vietnamPeriod } from '../args.ts';
import type { Group } from '../command.ts';
import { callCommand, listCommand, pageArgs, pagedListCommand, recordCommand } from '../command-builders.ts';
import { time } from '../format.ts';

/** Reads a secret or a PEM from a file: never from the command line, where every process listing shows it. */
function fileText(path: string | undefined): string | undefined {
  return path === undefined ? undefined : readFileSync(path, 'utf8').trim();
}

const showPeer = (p: {
  id: string;
  code: string;
  name: string;
  kind: string;
  systemId: string;
  gatewayUrl: string;
  tokenUrl: string;
  jwksUrl: string;
  status: string;
  hasClientSecret: boolean;
  hasClientCertificate: boolean;
}) =>
  [
    `${p.id}  ${p.code}  ${p.name} (${p.kind}, ${p.status})`,
    `Cổng / Gateway: ${p.gatewayUrl}   token: ${p.tokenUrl}   JWKS: ${p.jwksUrl}`,
    `Hệ thống nền tảng ở đây / Its platform system here: ${p.systemId} — cấp khoá cho hệ thống này để nó gọi ta / ` +
      'issue it credentials to let it call us',
    `Secret của ta tại nó / Our secret there: ${p.hasClientSecret ? 'có / set' : 'chưa / none'}; ` +
      `chứng chỉ mTLS / mTLS certificate: ${p.hasClientCertificate ? 'có / set' : 'không / none'}`,
  ].join('\n');

export const peerCommands: Group = {
  name: 'peers',
  summary: 'Nền tảng ngang hàng: NDXP, LGSP khác (docs/federation.md) / Peer platforms: NDXP, other LGSPs',
  subcommands: {
    list: pagedListCommand({
      synopsis: '[--status active|suspended] [--kind openlgsp|ndxp|wso2|other]',
      summary:
        'Các nền tảng ngang hàng; tìm theo mã, tên, địa chỉ / List peer platforms; search by code, name, URL',
      filters: { status: 'status', kind: 'kind' },
      // The options are typed text; the API refuses a status or kind outside its list (400), as any caller's.
      send: (ctx, query) => ctx.api.call('listPeers', { query: query as never }),
      headers: ['ID', 'Mã / Code', 'Tên / Name', 'Loại / Kind', 'Cổng / Gateway', 'Trạng thái / Status'],
      row: (p) => [p.id, p.code, p.name, p.kind, p.gatewayUrl, p.status],
    }),
    show: recordCommand({
      summary: 'Một nền tảng ngang hàng / One peer platform',
      send: (ctx, params) => ctx.api.call('getPeer', { params }),
      render: showPeer,
    }),
    add: callCommand({
      synopsis:
        '--code <ndxp> --name <…> --kind openlgsp|ndxp|wso2|other --gateway <https://…> [--token-url …] ' +
        '[--jwks-url …] [--catalogue-url …] [--client-id <key> --client-secret-file <file>] ' +
        '[--client-cert <pem> --client-key <pem>]',
      summary:
        'Đăng ký nền tảng ngang hàng; secret đọc từ tệp, lưu niêm phong / Register a peer; the secret is read from ' +
        'a file and sealed',
      options: textOptions(
        'code',
        'name',
        'kind',
        'gateway',
        'token-url',
        'jwks-url',
        'catalogue-url',
        'client-id',
        'client-secret-file',
        'client-cert',
        'client-key',
      ),
      send(ctx) {
        const v = ctx.values;
        const kind = required(v, 'kind', ctx.usage) as 'openlgsp' | 'ndxp' | 'wso2' | 'other';
        const optional = {
          tokenUrl: str(v, 'token-url'),
          jwksUrl: str(v, 'jwks-url'),
          catalogueUrl: str(v, 'catalogue-url'),
          clientId: str(v, 'client-id'),
          clientSecret: fileText(str(v, 'client-secret-file')),
          clientCertificatePem: fileText(str(v, 'client-cert')),
          clientKeyPem: fileText(str(v, 'client-key')),
        };
        return ctx.api.call('createPeer', {
          body: {
            code: required(v, 'code', ctx.usage),
            name: required(v, 'name', ctx.usage),
            kind,
            gatewayUrl: required(v, 'gateway', ctx.usage),
            ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)),
          },
        });
      },
      render: (p) => `Đã đăng ký / Registered\n${showPeer(p)}`,
    }),
    suspend: recordCommand({
      summary: 'Tạm dừng: không gọi tới, không nhận lời gọi / Suspend: no calls either way',
      send: (ctx, params) => ctx.api.call('updatePeer', { params, body: { status: 'suspended' } }),
      render: (p) => `Đã tạm dừng / Suspended: ${p.code}`,
    }),
    resume: recordCommand({
      summary: 'Cho hoạt động lại / Resume',
      send: (ctx, params) => ctx.api.call('updatePeer', { params, body: { status: 'active' } }),
      render: (p) => `Đã hoạt động lại / Active: ${p.code}`,
    }),
    'set-secret': recordCommand({
      synopsis: '--client-id <key> --client-secret-file <file>',
      summary: 'Đổi thông tin xác thực của ta tại nó / Change our credentials there',
      options: textOptions('client-id', 'client-secret-file'),
      send: (ctx, params) =>
        ctx.api.call('updatePeer', {
          params,
          body: {
            clientId: required(ctx.values, 'client-id', ctx.usage),
            clientSecret: fileText(required(ctx.values, 'client-secret-file', ctx.usage))!,
          },
        }),
      render: (p) => `Đã đổi / Changed: ${p.code}`,
    }),
    catalogue: listCommand({
      synopsis: '<id> [--search <chữ>] [--limit N] [--offset N]',
      summary:
        'Danh mục công khai của một OpenLGSP ngang hàng, từng trang dịch vụ / An OpenLGSP peer’s public ' +
        'catalogue, a page of services at a time',
      args: ['id'],
      options: textOptions('search', 'limit', 'offset'),
      send: (ctx) => {
        const { sort: _none, ...page } = pageArgs(ctx);
        return ctx.api.call('getPeerCatalogue', { params: { id: ctx.args[0]! }, query: page });
      },
      // The peer pages by service, and a row is a version: the count is of services.
      footer: (body, ctx) => {
        const offset = pageArgs(ctx).offset ?? 0;
        const services = new Set(body.items.map((i) => i.context)).size;
        const next =
          offset + services < body.total ? ` — trang sau / next page: --offset ${offset + services}` : '';
        return `Dịch vụ / Services ${services ? `${offset + 1}–${offset + services}` : '0'} / ${body.total}${next}\n`;
      },
      headers: ['Context', 'Phiên bản / Version', 'Tên / Name', 'Đã nhập / Imported'],
      row: (i) => [i.context, i.version, i.name, i.imported ? 'có / yes' : ''],
    }),
    imports: pagedListCommand({
      synopsis: '<id>',
      summary: 'Dịch vụ đã nhập từ nó / Services imported from it',
      args: ['id'],
      send: (ctx, query) => ctx.api.call('listPeerImports', { params: { id: ctx.args[0]! }, query }),
      headers: ['Ở đây / Here', 'Ở kia / There', 'Phiên bản / Version id', 'Lúc / At'],
      row: (i) => [
        `/${i.context}/${i.version}`,
        `/${i.remoteContext}/${i.remoteVersion}`,
        i.versionId,
        time(i.createdAt),
      ],
    }),
    import: recordCommand({
      synopsis:
        '--remote-context <ctx> --remote-version <v> [--context <ctx>] [--version <v>] [--name <…>] [--mode sync|async]',
      summary:
        'Nhập một dịch vụ của nó, công bố ở đây (chỉ production) / Import one of its services, published here ' +
        '(production only)',
      options: textOptions('remote-context', 'remote-version', 'context', 'version', 'name', 'mode'),
      send: (ctx, params) => {
        const v = ctx.values;
        // Anything but sync|async is refused by the API with its validation message.
        const mode = str(v, 'mode') as 'sync' | 'async' | undefined;
        const optional = {
          context: str(v, 'context'),
          version: str(v, 'version'),
          name: str(v, 'name'),
          mode,
        };
        return ctx.api.call('importPeerService', {
          params,
          body: {
            remoteContext: required(v, 'remote-context', ctx.usage),
            remoteVersion: required(v, 'remote-version', ctx.usage),
            ...Object.fromEntries(Object.entries(optional).filter(([, value]) => value !== undefined)),
          },
        });
      },
      render: (i) =>
        `Đã nhập / Imported: /${i.context}/${i.version} ← /${i.remoteContext}/${i.remoteVersion} (${i.versionId})`,
    }),
    grants: pagedListCommand({
      synopsis: '<id>',
      summary:
        'Đăng ký khai thác của nó và cơ quan được đại diện / Its subscriptions and the represented organizations',
      args: ['id'],
      send: (ctx, query) => ctx.api.call('listPeerGrants', { params: { id: ctx.args[0]! }, query }),
      headers: [
        'Đăng ký / Subscription',
        'Dịch vụ / Service',
        'Môi trường / Env',
        'Trạng thái / Status',
        'Cơ quan / For',
      ],
      row: (g) => [
        g.subscriptionId,
        `/${g.context}/${g.version}`,
        g.environment,
        g.status,
        g.representedOrganizations ? g.representedOrganizations.join(', ') : 'mọi cơ quan / all',
      ],
    }),
    grant: recordCommand({
      synopsis: '--subscription <sub_…> [--org <mã/code> …]',
      summary:
        'Giới hạn đăng ký của nó theo cơ quan được đại diện; không --org: mọi cơ quan / Limit its subscription to ' +
        'represented organizations; no --org: all',
      options: { ...textOptions('subscription'), org: { type: 'string', multiple: true } },
      send: (ctx, params) => {
        const orgs = list(ctx.values, 'org');
        return ctx.api.call('grantPeerSubscription', {
          params,
          body: {
            subscriptionId: required(ctx.values, 'subscription', ctx.usage),
            representedOrganizations: orgs.length > 0 ? orgs : null,
          },
        });
      },
      render: (g) =>
        `${g.subscriptionId}: ${g.representedOrganizations ? g.representedOrganizations.join(', ') : 'mọi cơ quan / all'}`,
    }),
    ledger: pagedListCommand({
      synopsis: `${PERIOD_SYNOPSIS} [--direction inbound|outbound] [--peer <peer_…>]`,
      summary:
        'Sổ giao dịch liên nền tảng (mã đầu-cuối), từng trang / Federated calls by end-to-end id, a page at a time ' +
        `(--from/--to: ${PERIOD_NOTE})`,
      options: textOptions('from', 'to'),
      filters: { direction: 'direction', peer: 'peerId' },
      send: (ctx, query) =>
        ctx.api.call('getFederationLedger', {
          query: {
            // `--direction` is typed text; the API refuses anything but inbound/outbound (400).
            ...(query as object),
            ...vietnamPeriod(ctx.values, ctx.usage),
          },
        }),
      headers: [
        'Đầu-cuối / End-to-end',
        'Chiều / Direction',
        'Lúc / At',
        'Ngang hàng / Peer',
        'Đại diện / For',
        'HTTP',
        'Chữ ký / Signatures',
      ],
      row: (e) => [
        e.endToEndId,
        e.direction,
        time(e.time),
        e.peerCode ?? '',
        e.representedOrganizationCode ?? '',
        String(e.status),
        e.signatures ?? '',
      ],
    }),
    'export-ledger': callCommand({
      synopsis: `${PERIOD_SYNOPSIS} > so-lien-thong.json`,
      summary:
        'Xuất cả sổ của kỳ (JSON) để bên kia đối soát / Export the whole ledger of a period (JSON) for the other side ' +
        `(--from/--to: ${PERIOD_NOTE})`,
      options: textOptions('from', 'to'),
      send: (ctx) =>
        ctx.api.call('exportFederationLedger', {
          query: vietnamPeriod(ctx.values, ctx.usage),
        }),
      // The file is the product: JSON whatever --json says, so that `> file` is always what `reconcile` reads.
      render: (file) => `${JSON.stringify(file, null, 2)}`,
    }),
    reconcile: callCommand({
      synopsis: `${PERIOD_SYNOPSIS} --file <sổ của bên kia / their ledger, from \`lgsp peers export-ledger\`>`,
      summary: `Đối soát với sổ của nền tảng khác / Reconcile with another platform’s ledger (--from/--to: ${PERIOD_NOTE})`,
      options: textOptions('from', 'to', 'file'),
      send: (ctx) => {
        const parsed = JSON.parse(readFileSync(required(ctx.values, 'file', ctx.usage), 'utf8')) as {
          items?: Array<{ endToEndId: string; status: number; representedOrganizationCode?: string | null }>;
        };
        return ctx.api.call('reconcileFederation', {
          body: {
            ...vietnamPeriod(ctx.values, ctx.usage),
            // Only what is compared travels, so that a day's ledger fits the admin API's body limit.
            entries: (parsed.items ?? []).map((e) => ({
              endToEndId: e.endToEndId,
              status: e.status,
              ...(e.representedOrganizationCode !== undefined
                ? { representedOrganizationCode: e.representedOrganizationCode }
                : {}),
            })),
          },
        });
      },
      render: (r) =>
        [
          `Khớp / Matched: ${r.matched}`,
          `Chỉ bên kia có / Theirs only: ${r.missingHere.length ? r.missingHere.join(', ') : '—'}`,
          `Chỉ ở đây có / Ours only: ${r.missingThere.length ? r.missingThere.join(', ') : '—'}`,
          `Lệch / Differ: ${r.mismatched.length ? r.mismatched.map((m) => `${m.endToEndId} ${m.field} ${m.here}≠${m.there}`).join('; ') : '—'}`,
        ].join('\n'),
    }),
  },
};
