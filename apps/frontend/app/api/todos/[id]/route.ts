import { proxy } from '../../../../lib/backend';

export const dynamic = 'force-dynamic';

interface Context {
  params: Promise<{ id: string }>;
}

// Encoded so an id such as "../health" cannot reach another backend path.
async function todoPath({ params }: Context): Promise<string> {
  const { id } = await params;
  return `/api/todos/${encodeURIComponent(id)}`;
}

export async function PATCH(request: Request, context: Context): Promise<Response> {
  return proxy(request, await todoPath(context));
}

export async function DELETE(request: Request, context: Context): Promise<Response> {
  return proxy(request, await todoPath(context));
}
