export interface ValidateExecutorSchema {
  chart?: string;
  configurations?: Record<string, string[]>;
  dockerfiles?: string[];
  images?: Record<string, string>;
}
