export interface LogsExecutorSchema {
  release?: string;
  namespace?: string;
  context?: string;
  /** Only these apps (image projects, or workload names for workloads that run no image of the workspace). */
  apps?: string[];
  /** Lines newer than this (kubectl's --since: 30s, 10m, 1h) for the pods running at the start. */
  since?: string;
  /** Lines of each running container at the start (default 10; -1 for all; 0: from the start of the task on). */
  tail?: number;
}
