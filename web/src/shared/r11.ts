import { TECHNICAL_DESCRIPTION_ITEMS } from '../../../src/api/contract/services.ts';

type ItemKey = keyof typeof TECHNICAL_DESCRIPTION_ITEMS;

/**
 * The items of a service's technical description (R-11, Decree 47/2020 Art. 24), in the decree's order, with the
 * label a person reads — taken from the contract's one list ("Tiếng Việt / English"), never written again here.
 */
export const R11_ITEMS = Object.fromEntries(
  Object.entries(TECHNICAL_DESCRIPTION_ITEMS).map(([key, label]) => {
    const [vi, en] = label.split(' / ');
    return [key, { vi: vi ?? label, en: en ?? label }];
  }),
) as Record<ItemKey, { vi: string; en: string }>;

export const R11_KEYS = Object.keys(TECHNICAL_DESCRIPTION_ITEMS) as ItemKey[];
