import {
  type ContactPoint,
  type ContactPointInput,
  contactReachable,
  type Organization,
} from '../../api/contract/index.ts';
import { given, nonEmpty, required, str, textOptions, UsageError } from '../args.ts';
import type { Context, Group } from '../command.ts';
import { callCommand, headed, pagedListCommand, recordCommand } from '../command-builders.ts';
import { createdAndUpdated, fields } from '../format.ts';

const CONTACT_OPTIONS = textOptions(
  'contact-name',
  'contact-title',
  'contact-unit',
  'contact-phone',
  'contact-email',
);
const CONTACT_DETAILS_SYNOPSIS =
  '[--contact-title <chức vụ>] [--contact-unit <đơn vị>] [--contact-phone <sđt>]';
const CONTACT_SYNOPSIS = `[--contact-name <họ tên>] ${CONTACT_DETAILS_SYNOPSIS} [--contact-email <email>]`;

/**
 * The contact point to send: the --contact-* flags over `current` when updating; undefined if none given.
 * It must name a person and an e-mail — notices and alerts reach the organization there — so a
 * contact point without them is a usage error here, before the platform refuses it.
 */
function contactFrom(ctx: Context, current: ContactPoint | null): ContactPointInput | undefined {
  const given = {
    name: str(ctx.values, 'contact-name'),
    title: str(ctx.values, 'contact-title'),
    unit: str(ctx.values, 'contact-unit'),
    phone: str(ctx.values, 'contact-phone'),
    email: str(ctx.values, 'contact-email'),
  };
  if (Object.values(given).every((v) => v === undefined)) return undefined;
  const merged: ContactPoint = { ...(current ?? { name: '' }) };
  for (const [key, value] of Object.entries(given))
    if (value !== undefined) Object.assign(merged, { [key]: value });
  const missing = [...(merged.name ? [] : ['--contact-name']), ...(merged.email ? [] : ['--contact-email'])];
  if (missing.length > 0) throw contactRequired(missing, ctx);
  return { ...merged, email: merged.email! };
}

function contactRequired(missing: string[], ctx: Context): UsageError {
  return new UsageError(
    `Thiếu / Missing ${missing.join(', ')}: cán bộ đầu mối cần họ tên và thư điện tử, nơi nhận thông báo và cảnh ` +
      'báo (R-09, R-21) / the contact point needs a name and an e-mail, where notices and alerts go',
    ctx.usage,
  );
}

function showOrganization(org: Organization): string {
  const c = org.contact;
  return fields([
    ['ID', org.id],
    ['Mã định danh / Code', org.code],
    ['Tên / Name', org.name],
    ['Cơ quan cấp trên / Parent', org.parentId],
    ['Đầu mối / Contact', c ? [c.name, c.title, c.unit].filter(Boolean).join(', ') : null],
    ['Điện thoại / Phone', c?.phone],
    ['Email', c?.email],
    ...createdAndUpdated(org),
  ]);
}

export const orgCommands: Group = {
  name: 'org',
  summary: 'Cơ quan, đơn vị và cán bộ đầu mối (R-09) / Organizations and their contact points',
  subcommands: {
    list: pagedListCommand({
      synopsis: '[--contact missing]',
      summary:
        'Danh sách cơ quan; tìm theo mã, tên; --contact missing: chưa có e-mail đầu mối / List organizations; ' +
        '--contact missing: those without a contact e-mail',
      filters: { contact: 'contact' },
      send: (ctx, query) => ctx.api.call('listOrganizations', { query }),
      headers: [
        'ID',
        'Mã định danh / Code',
        'Tên / Name',
        'Đầu mối / Contact',
        'E-mail đầu mối / Contact e-mail',
      ],
      row: (o) => [
        o.id,
        o.code,
        o.name,
        o.contact?.name,
        contactReachable(o) ? o.contact?.email : '⚠ chưa có / none',
      ],
      // Flagged, with the fix: an organization no notice or alert can reach.
      footer: (body) => {
        const unreachable = body.items.filter((o) => !contactReachable(o)).length;
        return unreachable === 0
          ? ''
          : `⚠ ${unreachable} cơ quan chưa có e-mail đầu mối, không nhận được thông báo, cảnh báo; thêm bằng / ` +
              `${unreachable} without a contact e-mail get no notices or alerts; add one with: ` +
              'lgsp org update <id> --contact-name <họ tên> --contact-email <email>\n';
      },
    }),
    show: recordCommand({
      summary: 'Xem một cơ quan / Show an organization',
      send: (ctx, params) => ctx.api.call('getOrganization', { params }),
      render: showOrganization,
    }),
    create: callCommand({
      synopsis: `--code <mã định danh> --name <tên> --contact-name <họ tên> --contact-email <email> [--parent <id>] ${CONTACT_DETAILS_SYNOPSIS}`,
      summary: 'Thêm cơ quan (mã dạng 000.00.31.H01) / Create an organization (code like 000.00.31.H01)',
      options: { ...textOptions('code', 'name', 'parent'), ...CONTACT_OPTIONS },
      send(ctx) {
        const code = required(ctx.values, 'code', ctx.usage);
        const name = required(ctx.values, 'name', ctx.usage);
        const contact = contactFrom(ctx, null);
        if (!contact) throw contactRequired(['--contact-name', '--contact-email'], ctx);
        return ctx.api.call('createOrganization', {
          body: {
            code,
            name,
            ...(str(ctx.values, 'parent') ? { parentId: str(ctx.values, 'parent') } : {}),
            contact,
          },
        });
      },
      render: headed('Đã thêm cơ quan / Organization created', showOrganization),
    }),
    update: recordCommand({
      synopsis: `[--name <tên>] [--parent <id>] ${CONTACT_SYNOPSIS}`,
      summary:
        'Sửa cơ quan; các --contact-* chỉ thay trường được nêu / Update; --contact-* change only those fields',
      options: { ...textOptions('name', 'parent'), ...CONTACT_OPTIONS },
      async send(ctx, params) {
        nonEmpty(
          Object.fromEntries(
            ['name', 'parent', ...Object.keys(CONTACT_OPTIONS)]
              .map((k) => [k, str(ctx.values, k)])
              .filter(([, v]) => v !== undefined),
          ),
          ctx.usage,
        );
        const needsCurrent = Object.keys(CONTACT_OPTIONS).some((k) => str(ctx.values, k) !== undefined);
        const current = needsCurrent ? await ctx.api.call('getOrganization', { params }) : null;
        const contact = contactFrom(ctx, current?.contact ?? null);
        const patch = {
          ...given(ctx.values, { name: 'name' }),
          ...(str(ctx.values, 'parent') !== undefined ? { parentId: str(ctx.values, 'parent') || null } : {}),
          ...(contact ? { contact } : {}),
        };
        return ctx.api.call('updateOrganization', { params, body: patch });
      },
      render: headed('Đã cập nhật / Updated', showOrganization),
    }),
  },
};
