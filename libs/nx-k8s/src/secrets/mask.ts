// Secret values are registered here once they are read, and every line that nx-k8s prints
// or puts in an error goes through mask(): Nx caches terminal output, so a secret printed
// once would be stored in the cache and replayed.
const secrets = new Set<string>();

export function registerSecret(value: string | undefined): void {
  // Very short values would mask ordinary words; they are still never printed on purpose.
  if (value && value.length >= 4) secrets.add(value);
}

export function mask(text: string): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('****');
  return out;
}

export function clearSecretsForTests(): void {
  secrets.clear();
}
