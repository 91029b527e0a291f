export interface DevExecutorSchema {
  /** The target each cycle runs on this project. Default: deploy. */
  deployTarget?: string;
  /** Milliseconds without another save before a cycle starts. Default 300. */
  debounce?: number;
  /** Forward the release's Services (port-forward's options apply). Default true. */
  forward?: boolean;
  /** Follow the release's pods' logs. Default true. */
  logs?: boolean;
}
