import type { ContactPoint, Organization } from '../../api/contract/index.ts';
import { given, nonEmpty, required, str, textOptions } from '../args.ts';
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
    ...createdAndUpdated(org),
  ]);
}

export const orgCommands: Group = {
  name: 'org',
  summary: 'Cơ quan, đơn vị và cán bộ đầu mối (R-09) / Organizations and their contact points',
  subcommands: {
    list: pagedListCommand({
      summary: 'Danh sách cơ quan; tìm theo mã, tên / List organizations; search by code, name',
      send: (ctx, query) => ctx.api.call('listOrganizations', { query }),
      headers: ['ID', 'Mã định danh / Code', 'Tên / Name', 'Đầu mối / Contact'],
      row: (o) => [o.id, o.code, o.name, o.contact?.name],
    }),
    show: recordCommand({
      summary: 'Xem một cơ quan / Show an organization',
      send: (ctx, params) => ctx.api.call('getOrganization', { params }),
      render: showOrganization,
    }),
    create: callCommand({
      synopsis: `--code <mã định danh> --name <tên> [--parent <id>] ${CONTACT_SYNOPSIS}`,
      summary: 'Thêm cơ quan (mã dạng 000.00.31.H01) / Create an organization (code like 000.00.31.H01)',
      options: { ...textOptions('code', 'name', 'parent'), ...CONTACT_OPTIONS },
      send(ctx) {
        const contact = contactFrom(ctx, null);
        return ctx.api.call('createOrganization', {
          body: {
            code: required(ctx.values, 'code', ctx.usage),
            name: required(ctx.values, 'name', ctx.usage),
            ...(str(ctx.values, 'parent') ? { parentId: str(ctx.values, 'parent') } : {}),
            ...(contact ? { contact } : {}),
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
