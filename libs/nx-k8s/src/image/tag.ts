// Content-addressed tags. The tag comes from the Nx hash of the docker-build task, which
// covers the app's production files, the Dockerfile, its ignore file and the build options:
// different inputs never share a tag, and unchanged inputs keep theirs.
import { createHash } from 'crypto';

export function tagFromTaskHash(taskHash: string): string {
  return `nx-${createHash('sha256').update(taskHash).digest('hex').slice(0, 16)}`;
}
