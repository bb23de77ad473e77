import type { Hono } from 'hono';
import type { Deps } from '../deps.ts';

export type AppEnv = { Variables: { requestId: string } };
export type App = Hono<AppEnv>;
export type RegisterRoutes = (app: App, deps: Deps) => void;
