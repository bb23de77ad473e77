import type { Hono } from 'hono';
import type { Deps } from '../deps.ts';
import type { Session } from './session.ts';

export type ConsoleEnv = { Variables: { requestId: string; session: Session } };
export type ConsoleApp = Hono<ConsoleEnv>;
export type RegisterPages = (ui: ConsoleApp, deps: Deps) => void;
