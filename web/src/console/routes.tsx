import type { ConsoleRoute } from './route.ts';
import { agencyRoutes } from './routes-agency.tsx';
import { operatorRoutes } from './routes-operator.tsx';
import { registryRoutes } from './routes-registry.tsx';

/** Every console screen, from one list per area (each area's file owns its screens). */
export const CONSOLE_ROUTES: ConsoleRoute[] = [...operatorRoutes, ...registryRoutes, ...agencyRoutes];
