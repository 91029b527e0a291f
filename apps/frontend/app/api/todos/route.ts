import { proxy } from '../../../lib/backend';

export const dynamic = 'force-dynamic';

export function GET(request: Request): Promise<Response> {
  return proxy(request, '/api/todos');
}

export function POST(request: Request): Promise<Response> {
  return proxy(request, '/api/todos');
}
