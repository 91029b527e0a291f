export interface HelmInstallExecutorSchema {
  chart?: string;
  release?: string;
  namespace?: string;
  createNamespace?: boolean;
  valuesFiles?: string[];
  set?: Record<string, string | number | boolean>;
  images?: Record<string, string>;
  secrets?: Record<string, string>;
  envFile?: string;
  timeout?: number;
  context?: string;
  outputFile?: string;
}
