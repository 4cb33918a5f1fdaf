import type { ReactNode } from 'react';

/** One public portal page, below `/portal` (`''` is the portal's home). */
export interface PortalRoute {
  path: string;
  menu?: { vi: string; en: string; order?: number };
  element: ReactNode;
}
