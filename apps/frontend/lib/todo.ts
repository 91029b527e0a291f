/** A todo as the backend's API returns it. */
export interface Todo {
  id: number;
  title: string;
  completed: boolean;
  created_at: string;
}

export function isTodo(value: unknown): value is Todo {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.id === 'number' &&
    typeof v.title === 'string' &&
    typeof v.completed === 'boolean' &&
    typeof v.created_at === 'string'
  );
}
