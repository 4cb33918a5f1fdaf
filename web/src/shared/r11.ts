import type { TechnicalDescription } from '../../../src/api/contract/services.ts';

/**
 * The items of a service's technical description (R-11, Decree 47/2020 Art. 24), in the decree's order, with the
 * label a person reads. Typed by the contract's own type, so an item added there fails to compile here until it
 * has a label.
 */
export const R11_ITEMS: Record<keyof TechnicalDescription, { vi: string; en: string }> = {
  addressAndInterface: { vi: 'Địa chỉ và giao diện kết nối', en: 'Address and interface' },
  communicationStandards: {
    vi: 'Tiêu chuẩn kết nối, truyền thông',
    en: 'Connection and communication standards',
  },
  encryptionAndSecurity: { vi: 'Mã hoá và an toàn thông tin', en: 'Encryption and security' },
  capacity: { vi: 'Năng lực đáp ứng (tần suất, dung lượng)', en: 'Capacity (frequency, volume)' },
  connectionProcedure: { vi: 'Quy trình kết nối', en: 'Connection procedure' },
  dataQuality: {
    vi: 'Chất lượng dữ liệu: thu thập, phê duyệt, cập nhật, thời điểm',
    en: 'Data quality: collection, approval, updates, timeliness',
  },
  dataPresentation: { vi: 'Cách thức trình bày dữ liệu', en: 'Data presentation' },
};

export const R11_KEYS = Object.keys(R11_ITEMS) as Array<keyof TechnicalDescription>;
