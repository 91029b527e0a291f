// The logs stage: the release's pods' logs, followed across restarts and rollouts.
export { LogFollower } from './follow';
export type { FollowSpec } from './follow';
