// Helm Chart rules that only helm can decide: the templates render, and the values satisfy each
// chart's values.schema.json. Turns helm's error output into violations on the file to edit.
import { ChartSource, sourceFile } from '../manifests';
import { fieldOf, ValuesLayer, whoSets } from '../values';
import { Violation } from '../violation';

const SCHEMA_HEADER = "values don't meet the specifications of the schema(s)";

export function isSchemaError(stderr: string): boolean {
  return stderr.includes(SCHEMA_HEADER);
}

/** A chart's name in helm's messages -> its source and values path. */
function chartNamed(name: string, charts: readonly ChartSource[]): ChartSource | undefined {
  return charts.find((c) => c.prefix.split('/').pop() === name);
}

/**
 * helm's schema report:
 *   frontend:
 *   - at '/replicaCount': minimum: got -1, want 0
 * Each entry points at the values file that sets the value (the highest-precedence one), or at
 * the chart's values.yaml when no file sets it (a required value is missing).
 */
export function schemaRules(stderr: string, charts: readonly ChartSource[], layers: readonly ValuesLayer[]): Violation[] {
  const out: Violation[] = [];
  let chart: ChartSource | undefined;
  for (const line of stderr.slice(stderr.indexOf(SCHEMA_HEADER)).split('\n').slice(1)) {
    const header = /^(\S[^:]*):\s*$/.exec(line);
    if (header) {
      chart = chartNamed(header[1], charts);
      continue;
    }
    const entry = /^\s*- at '([^']*)':\s*(.*)$/.exec(line);
    if (!entry || !chart) continue;
    const inner = entry[1]
      .split('/')
      .filter(Boolean)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const extra = /additional properties? '([^']+)'/.exec(entry[2])?.[1];
    const missing = /missing propert(?:y|ies) '([^']+)'/.exec(entry[2])?.[1];
    const path = [...(chart.values ? chart.values.split('.') : []), ...inner, ...(extra ? [extra] : [])];
    // A missing value has no file yet: its default belongs in the chart's own values.yaml.
    const at = (missing ? null : whoSets(layers, path)) ?? { file: `${chart.dir}/values.yaml`, field: fieldOf([...inner, ...(missing ? [missing] : [])]) };
    const name = chart.prefix.split('/').pop();
    out.push({
      file: at.file,
      resource: `Chart/${name}`,
      field: at.field,
      rule: 'chart.values-schema',
      message: `value does not satisfy ${chart.dir}/values.schema.json: ${entry[2]}`,
      fix: extra
        ? `remove ${extra}, or declare it in the schema`
        : missing
          ? `set ${missing} (a default belongs in ${chart.dir}/values.yaml)`
          : `change the value to one the schema accepts (see ${chart.dir}/values.schema.json)`,
    });
  }
  return out;
}

/** A failed render (template syntax, execution error, YAML that does not parse) as one violation. */
export function renderErrorRule(stderr: string, charts: readonly ChartSource[], chartFile: string): Violation {
  const error = (stderr.split('\n').find((l) => l.startsWith('Error:')) ?? stderr.trim().split('\n')[0] ?? 'helm template failed').replace(/^Error:\s*/, '');
  const at =
    /(?:template: |execution error at \(|parse error at \()([^:\s()]+\.(?:ya?ml|tpl|txt|json)):(\d+)/.exec(error) ??
    /YAML parse error on ([^:\s]+)/.exec(error) ??
    /error calling include: template: ([^:\s]+):(\d+)/.exec(error);
  const umbrella = charts.find((c) => c.values === '');
  const { file } = at ? sourceFile(at[1], charts) : { file: chartFile };
  return {
    file,
    line: at?.[2] ? Number(at[2]) : undefined,
    resource: `Chart/${umbrella?.prefix ?? chartFile.split('/').slice(-2, -1)[0]}`,
    field: 'templates',
    rule: 'chart.templates-render',
    message: `helm template fails: ${error.replace(/\s+/g, ' ').trim()}`,
    fix: /YAML parse error/.test(error)
      ? 'fix the indentation or quoting of what this template renders (helm template --debug shows it)'
      : 'fix the template expression at this line, or the values it reads',
  };
}

/** A rendered document that is not a Kubernetes object. */
export function invalidManifestRule(file: string, problem: string, chartName: string): Violation {
  return {
    file,
    resource: `Chart/${chartName}`,
    field: 'templates',
    rule: 'chart.templates-render',
    message: `renders an invalid manifest: ${problem}`,
    fix: 'make every document of the template a Kubernetes object with apiVersion, kind and metadata.name',
  };
}
