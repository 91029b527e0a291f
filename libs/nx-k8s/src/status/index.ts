// The status stage: what the release runs, in the data model's terms (collect -> report -> format).
export { collectStatus } from './collect';
export type { StatusSpec } from './collect';
export { formatReport } from './format';
export { buildReport } from './report';
export type { AppImage, AppStatus, Snapshot, StatusReport } from './report';
