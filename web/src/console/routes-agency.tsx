import type { ConsoleRoute } from './route.ts';

export const agencyRoutes: ConsoleRoute[] = [];
