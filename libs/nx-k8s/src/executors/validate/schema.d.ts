export interface ValidateExecutorSchema {
  chart?: string;
  configurations?: Record<string, string[]>;
  dockerfiles?: string[];
  /** Path of an image value in the chart's values -> project, as helm-install's images option. */
  images?: Record<string, string>;
}
