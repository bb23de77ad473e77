// Every scope maps to exactly one action class; policy and TTLs follow the class.
export const ACTION_CLASSES = ['read', 'write', 'delete', 'admin'] as const;
export type ActionClass = (typeof ACTION_CLASSES)[number];

export function isActionClass(v: string): v is ActionClass {
  return (ACTION_CLASSES as readonly string[]).includes(v);
}
