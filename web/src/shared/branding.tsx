import { createContext, type ReactNode, useContext, useEffect, useState } from 'react';
import type { OperationResponse } from './api.ts';
import { api } from './api.ts';

/** The province's name, logo and colour: configuration of the platform (one platform per province), read once. */
export type Branding = OperationResponse<'getBranding'>;

const FALLBACK: Branding = {
  provinceName: 'OpenLGSP',
  shortName: 'LGSP',
  primaryColor: '#b71c1c',
  logoUrl: '/api/v1/public/branding/logo',
  portalTitle: 'Cổng thông tin nhà phát triển / Developer portal',
  consoleUrl: '/',
  portalUrl: '/portal',
  gatewayUrl: '',
} as Branding;

const BrandingContext = createContext<Branding>(FALLBACK);

export function BrandingProvider({ children }: { children: ReactNode }) {
  const [branding, setBranding] = useState<Branding>(FALLBACK);
  useEffect(() => {
    api
      .call('getBranding', { auth: false })
      .then(setBranding)
      .catch(() => {});
  }, []);
  return <BrandingContext.Provider value={branding}>{children}</BrandingContext.Provider>;
}

export function useBranding(): Branding {
  return useContext(BrandingContext);
}
