export interface HelmInstallExecutorSchema {
  chart?: string;
  release?: string;
  namespace?: string;
  createNamespace?: boolean;
  valuesFiles?: string[];
  set?: Record<string, string | number | boolean>;
  /** Path of an image value in the chart's values (frontend.image, image) -> the project whose loaded image it takes. */
  images?: Record<string, string>;
  secrets?: Record<string, string>;
  envFile?: string;
  timeout?: number;
  context?: string;
  outputFile?: string;
}
