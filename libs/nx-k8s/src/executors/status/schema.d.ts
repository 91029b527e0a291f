export interface StatusExecutorSchema {
  release?: string;
  namespace?: string;
  context?: string;
  /** Print the report as JSON (status-report.schema.json) instead of tables. */
  json?: boolean;
}
