import type { ContactPoint, Organization } from '../../api/contract/index.ts';
import { nonEmpty, required, str } from '../args.ts';
import type { Context, Group } from '../command.ts';
import { fields, table, time } from '../format.ts';

const CONTACT_OPTIONS = {
  'contact-name': { type: 'string' },
  'contact-title': { type: 'string' },
  'contact-unit': { type: 'string' },
  'contact-phone': { type: 'string' },
  'contact-email': { type: 'string' },
} as const;
const CONTACT_SYNOPSIS =
  '[--contact-name <họ tên>] [--contact-title <chức vụ>] [--contact-unit <đơn vị>] [--contact-phone <sđt>] ' +
  '[--contact-email <email>]';

/** The contact point from the --contact-* flags, over `current` when updating; undefined if none given. */
function contactFrom(ctx: Context, current: ContactPoint | null): ContactPoint | undefined {
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
  return merged;
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
    ['Tạo lúc / Created', time(org.createdAt)],
    ['Cập nhật / Updated', time(org.updatedAt)],
  ]);
}

export const orgCommands: Group = {
  name: 'org',
  summary: 'Cơ quan, đơn vị và cán bộ đầu mối (R-09) / Organizations and their contact points',
  subcommands: {
    list: {
      synopsis: '',
      summary: 'Danh sách cơ quan / List organizations',
      async run(ctx) {
        const body = await ctx.api.call('listOrganizations');
        ctx.print(body, () =>
          table(
            ['ID', 'Mã định danh / Code', 'Tên / Name', 'Đầu mối / Contact'],
            body.items.map((o) => [o.id, o.code, o.name, o.contact?.name]),
          ),
        );
        return 0;
      },
    },
    show: {
      synopsis: '<id>',
      summary: 'Xem một cơ quan / Show an organization',
      args: ['id'],
      async run(ctx) {
        const org = await ctx.api.call('getOrganization', { params: { id: ctx.args[0]! } });
        ctx.print(org, () => showOrganization(org));
        return 0;
      },
    },
    create: {
      synopsis: `--code <mã định danh> --name <tên> [--parent <id>] ${CONTACT_SYNOPSIS}`,
      summary: 'Thêm cơ quan (mã dạng 000.00.31.H01) / Create an organization (code like 000.00.31.H01)',
      options: {
        code: { type: 'string' },
        name: { type: 'string' },
        parent: { type: 'string' },
        ...CONTACT_OPTIONS,
      },
      async run(ctx) {
        const contact = contactFrom(ctx, null);
        const org = await ctx.api.call('createOrganization', {
          body: {
            code: required(ctx.values, 'code', ctx.usage),
            name: required(ctx.values, 'name', ctx.usage),
            ...(str(ctx.values, 'parent') ? { parentId: str(ctx.values, 'parent') } : {}),
            ...(contact ? { contact } : {}),
          },
        });
        ctx.print(org, () => `Đã thêm cơ quan / Organization created\n${showOrganization(org)}`);
        return 0;
      },
    },
    update: {
      synopsis: `<id> [--name <tên>] [--parent <id>] ${CONTACT_SYNOPSIS}`,
      summary:
        'Sửa cơ quan; các --contact-* chỉ thay trường được nêu / Update; --contact-* change only those fields',
      args: ['id'],
      options: { name: { type: 'string' }, parent: { type: 'string' }, ...CONTACT_OPTIONS },
      async run(ctx) {
        const params = { id: ctx.args[0]! };
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
          ...(str(ctx.values, 'name') !== undefined ? { name: str(ctx.values, 'name') } : {}),
          ...(str(ctx.values, 'parent') !== undefined ? { parentId: str(ctx.values, 'parent') || null } : {}),
          ...(contact ? { contact } : {}),
        };
        const org = await ctx.api.call('updateOrganization', { params, body: patch });
        ctx.print(org, () => `Đã cập nhật / Updated\n${showOrganization(org)}`);
        return 0;
      },
    },
  },
};
