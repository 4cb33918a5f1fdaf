import type { ConsoleRoute } from './route.ts';

export const registryRoutes: ConsoleRoute[] = [];
