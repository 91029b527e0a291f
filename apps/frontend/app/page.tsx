import { loadTodos, type TodoLoad } from '../lib/backend';
import { AddTodoForm, TodoControls } from './todo-controls';

// Rendered per request: the list comes from the backend named by BACKEND_URL at run time.
export const dynamic = 'force-dynamic';

export default async function HomePage() {
  const result = await loadTodos();
  return (
    <main className="app">
      <h1>Todos</h1>
      <AddTodoForm />
      <section aria-labelledby="list-heading">
        <h2 id="list-heading" className="visually-hidden">
          Your todos
        </h2>
        <TodoList result={result} />
      </section>
    </main>
  );
}

function TodoList({ result }: { result: TodoLoad }) {
  if (!result.ok) {
    return (
      <p className="notice error" role="alert" data-testid="todos-error">
        Could not load todos: {result.message}
      </p>
    );
  }
  const { todos } = result;
  if (todos.length === 0) {
    return (
      <p className="notice" data-testid="todos-empty">
        Nothing to do yet. Add your first todo above.
      </p>
    );
  }
  const done = todos.filter((todo) => todo.completed).length;
  return (
    <>
      <p className="summary" data-testid="todos-summary">
        {done} of {todos.length} done
      </p>
      <ul className="todos" data-testid="todo-list">
        {todos.map((todo) => (
          <li
            key={todo.id}
            className={todo.completed ? 'todo done' : 'todo'}
            data-testid="todo-item"
            data-todo-id={todo.id}
            data-completed={todo.completed}
          >
            <TodoControls todo={todo} />
          </li>
        ))}
      </ul>
    </>
  );
}
