// Docker naming rules (distribution/reference grammar), as the data model requires:
// lowercase repository components, tags that are a version or a label, never `latest`.
const COMPONENT = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
const HOST = '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?)';
const REPOSITORY = new RegExp(`^(?:${HOST}/)?${COMPONENT}(?:/${COMPONENT})*$`);
const TAG = /^[\w][\w.-]{0,127}$/;

/** Returns why the repository name is invalid, or null. */
export function repositoryProblem(repository: string): string | null {
  if (!repository) return 'is empty';
  if (repository.length > 255) return 'is longer than 255 characters';
  // A host part may hold uppercase; the path may not.
  const path = repository.includes('/') && /[.:]|^localhost$/.test(repository.split('/')[0]) ? repository.split('/').slice(1).join('/') : repository;
  if (/[A-Z]/.test(path)) return 'has uppercase letters (Docker repositories are lowercase)';
  if (!REPOSITORY.test(repository)) return 'is not a Docker repository name (lowercase letters, digits and separators . _ __ - /)';
  return null;
}

export function tagProblem(tag: string): string | null {
  if (tag === 'latest') return 'is `latest`, which names no particular content';
  if (!TAG.test(tag)) return 'is not a Docker tag (letters, digits, _ . -, at most 128, not starting with . or -)';
  return null;
}
