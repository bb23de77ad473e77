import { z } from 'zod';
import type { Limits } from '../config/schema.ts';

/** `POST /v1/tasks/{task_id}/complete`: the task, as the exchange accepted it. */
export function taskPath(limits: Limits) {
  return z.object({ task_id: z.string().max(limits.max_task_id_chars, 'malformed task_id').regex(/^[\x21-\x7e]{1,512}$/, 'malformed task_id') });
}
