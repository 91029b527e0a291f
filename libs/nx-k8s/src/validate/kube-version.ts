// Which Kubernetes version the chart is rendered for (`.Capabilities.KubeVersion`, a chart's
// `kubeVersion` constraint): the option, else the current kube context's server, else helm's
// built-in default, which depends on how helm was built (a plain `go install` says v1.20.0).

export interface KubeVersionChoice {
  /** Passed to helm template --kube-version; null for helm's default. */
  version: string | null;
  /** Where it came from, for the summary line. */
  source: string;
}

/** "1.34", "v1.34.4", "1.34.4+k3s1" -> "v1.34" ...; anything else is refused in one line. */
export function parseKubeVersion(value: string, option: string): string {
  const v = value.trim();
  if (!/^v?\d+\.\d+(\.\d+)?([-+][0-9A-Za-z.+-]+)?$/.test(v))
    throw new Error(`${option}: "${value}" is not a Kubernetes version. Fix: write it as major.minor[.patch], e.g. 1.34 or v1.34.4`);
  return v.startsWith('v') ? v : `v${v}`;
}

export function chooseKubeVersion(option: string | undefined, server: { context: string | null; version: string | null } | null): KubeVersionChoice {
  if (option) return { version: option, source: 'option kubeVersion' };
  if (server?.version) return { version: server.version, source: `server of kube context ${server.context}` };
  const why = server?.context ? `kube context ${server.context} did not answer` : 'no kube context';
  return { version: null, source: `helm's default: ${why}` };
}
