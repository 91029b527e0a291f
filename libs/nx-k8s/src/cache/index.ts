export * from './decision';
export * from './plugin-digest';
export * from './state-dir';
export * from './tokens';
