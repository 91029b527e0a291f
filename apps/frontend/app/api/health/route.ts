// Liveness/readiness of the frontend process alone: a backend outage must not
// restart or unroute the frontend pods.
export const dynamic = 'force-dynamic';

export function GET(): Response {
  return Response.json({ status: 'ok' });
}
