export interface ValidateExecutorSchema {
  chart?: string;
  configurations?: Record<string, string[]>;
  dockerfiles?: string[];
  /** Path of an image value in the chart's values -> project, as helm-install's images option. */
  images?: Record<string, string>;
  /** Rule id ([rule] in validate's lines) -> switched off for this chart, with why. */
  rules?: Record<string, { off?: boolean; reason?: string }>;
  /** Violations inside third-party subcharts (not file:// dependencies) fail the task too. */
  strictSubcharts?: boolean;
  /** Kubernetes version to render for; default the current kube context's server version, else helm's default. */
  kubeVersion?: string;
}
