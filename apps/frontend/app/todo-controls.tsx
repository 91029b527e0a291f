'use client';

import { useRouter } from 'next/navigation';
import { useState, useTransition, type FormEvent } from 'react';
import type { Todo } from '../lib/todo';

// Same-origin calls only: the browser never learns the backend's address.
async function send(url: string, method: 'POST' | 'PATCH' | 'DELETE', body?: object): Promise<void> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: body ? { 'content-type': 'application/json' } : undefined,
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch {
    throw new Error('Could not reach the server. Check your connection and try again.');
  }
  if (!res.ok) {
    const payload: unknown = await res.json().catch(() => undefined);
    const message =
      typeof payload === 'object' && payload !== null && 'error' in payload && typeof payload.error === 'string'
        ? payload.error
        : `request failed with status ${res.status}`;
    throw new Error(message);
  }
}

// Runs a change, then re-renders the server list so the backend stays the single source of truth.
function useTodoAction() {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string>();

  function run(change: () => Promise<void>, onDone?: () => void): void {
    setError(undefined);
    startTransition(async () => {
      try {
        await change();
        onDone?.();
        router.refresh();
      } catch (err) {
        setError(err instanceof Error ? err.message : String(err));
      }
    });
  }
  return { pending, error, run };
}

export function AddTodoForm() {
  const [title, setTitle] = useState('');
  const { pending, error, run } = useTodoAction();

  function onSubmit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    const trimmed = title.trim();
    if (!trimmed) return;
    run(() => send('/api/todos', 'POST', { title: trimmed }), () => setTitle(''));
  }

  return (
    <form className="add-form" onSubmit={onSubmit} data-testid="add-form">
      <label htmlFor="new-todo">New todo</label>
      <div className="add-row">
        <input
          id="new-todo"
          name="title"
          type="text"
          autoComplete="off"
          placeholder="What needs doing?"
          required
          maxLength={200}
          value={title}
          onChange={(event) => setTitle(event.target.value)}
          data-testid="new-todo-input"
        />
        <button type="submit" disabled={pending} data-testid="add-todo">
          {pending ? 'Adding…' : 'Add'}
        </button>
      </div>
      {error && (
        <p className="error" role="alert" data-testid="add-error">
          Could not add the todo: {error}
        </p>
      )}
    </form>
  );
}

export function TodoControls({ todo }: { todo: Todo }) {
  const { pending, error, run } = useTodoAction();
  const checkboxId = `todo-${todo.id}`;

  return (
    <>
      <input
        id={checkboxId}
        type="checkbox"
        checked={todo.completed}
        disabled={pending}
        onChange={() => run(() => send(`/api/todos/${todo.id}`, 'PATCH', { completed: !todo.completed }))}
        data-testid="todo-toggle"
      />
      <label htmlFor={checkboxId} className="todo-title" data-testid="todo-title">
        {todo.title}
      </label>
      <button
        type="button"
        className="delete"
        disabled={pending}
        aria-label={`Delete "${todo.title}"`}
        onClick={() => run(() => send(`/api/todos/${todo.id}`, 'DELETE'))}
        data-testid="todo-delete"
      >
        Delete
      </button>
      {error && (
        <p className="error" role="alert" data-testid="todo-error">
          {error}
        </p>
      )}
    </>
  );
}
