export interface DockerBuildExecutorSchema {
  dockerfile: string;
  context?: string;
  repository?: string;
  buildArgs?: Record<string, string>;
  target?: string;
  outputFile?: string;
}
