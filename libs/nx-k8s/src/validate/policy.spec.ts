import { Manifest } from './manifests';
import { chooseKubeVersion, parseKubeVersion } from './kube-version';
import { inThirdPartySubchart, isTestHook, rulesOff, verdict, withoutTestHooks } from './policy';
import { RULE_IDS, Violation } from './violation';

const pod = (name: string, hook?: string): Manifest => ({
  kind: 'Pod',
  name,
  file: 'charts/web/templates/tests/test.yaml',
  chart: 'web',
  doc: { apiVersion: 'v1', kind: 'Pod', metadata: { name, ...(hook === undefined ? {} : { annotations: { 'helm.sh/hook': hook } }) } },
});

describe('helm test hooks', () => {
  it('are the resources whose helm.sh/hook lists test, test-success or test-failure', () => {
    expect(['test', 'test-success', 'test-failure', 'pre-install, test'].map((h) => isTestHook(pod('p', h)))).toEqual([true, true, true, true]);
    expect([isTestHook(pod('p')), isTestHook(pod('p', 'pre-install,post-upgrade')), isTestHook(pod('p', 'tests'))]).toEqual([false, false, false]);
  });
  it('are left out of what the rules check', () => {
    const r = withoutTestHooks([pod('web'), pod('web-test-x1y2z', 'test')]);
    expect(r.manifests.map((m) => m.name)).toEqual(['web']);
    expect(r.testHooks.map((m) => m.name)).toEqual(['web-test-x1y2z']);
  });
});

describe('rules switched off', () => {
  const option = 'option rules of app:validate';
  it('by id, with a reason', () => {
    const off = rulesOff(
      { 'service.selector-matches-pods': { off: true, reason: ' the chart routes to an external pod ' }, 'pod.has-containers': { off: false } },
      option,
    );
    expect([...off]).toEqual([['service.selector-matches-pods', 'the chart routes to an external pod']]);
    expect(rulesOff(undefined, option).size).toBe(0);
  });
  it('refuse an unknown id in one line listing the known ones', () => {
    expect(() => rulesOff({ 'service.selector': { off: true, reason: 'x' } }, option)).toThrow(
      `option rules of app:validate: there is no rule service.selector. Fix: use a rule id from the [rule] tags of validate's lines: ${RULE_IDS.join(', ')}`,
    );
  });
  it('refuse switching off without a reason', () => {
    expect(() => rulesOff({ 'secret.size': { off: true } }, option)).toThrow(
      'option rules of app:validate: rule secret.size is switched off without a reason. Fix: say why in "reason" (it is printed with every run)',
    );
  });
});

describe('third-party subcharts', () => {
  it("are under the chart's charts/ and not a file:// dependency", () => {
    expect(inThirdPartySubchart('charts/app/charts/redis/templates/sts.yaml', 'charts/app', ['charts/web'])).toBe(true);
    expect(inThirdPartySubchart('charts/app/charts/local/templates/d.yaml', 'charts/app', ['charts/app/charts/local'])).toBe(false);
    expect(inThirdPartySubchart('charts/web/templates/d.yaml', 'charts/app', ['charts/web'])).toBe(false);
    expect(inThirdPartySubchart('charts/app/templates/cm.yaml', 'charts/app', [])).toBe(false);
    expect(inThirdPartySubchart('charts/app/values.yaml', 'charts/app', [])).toBe(false);
  });
});

describe('the verdict', () => {
  const v = (file: string, rule: Violation['rule']): Violation => ({ file, resource: 'Service/x', field: 'spec', rule, message: 'm', fix: 'f' });
  const all = [
    v('charts/app/templates/svc.yaml', 'service.type'),
    v('charts/app/charts/redis/templates/svc.yaml', 'service.port-range'),
    v('charts/app/templates/svc.yaml', 'service.selector-matches-pods'),
    v('charts/app/charts/redis/templates/svc2.yaml', 'service.selector-matches-pods'),
  ];
  const o = { rulesOff: new Map([['service.selector-matches-pods', 'why'] as const]), strictSubcharts: false, chartDir: 'charts/app', fileDependencyDirs: [] };
  it('hides switched-off rules (counted), warns for third-party subcharts, fails for the rest', () => {
    const r = verdict(all, o);
    expect(r.violations.map((x) => x.rule)).toEqual(['service.type']);
    expect(r.warnings.map((x) => x.rule)).toEqual(['service.port-range']);
    expect(r.switchedOff).toEqual([{ rule: 'service.selector-matches-pods', reason: 'why', hidden: 2 }]);
  });
  it('fails for third-party subcharts too when strict', () => {
    const r = verdict(all, { ...o, strictSubcharts: true });
    expect(r.violations.map((x) => x.rule)).toEqual(['service.type', 'service.port-range']);
    expect(r.warnings).toEqual([]);
  });
});

describe('the Kubernetes version rendered for', () => {
  it("is the option, else the server of the current context, else helm's default", () => {
    expect(chooseKubeVersion('v1.30.0', { context: 'c', version: 'v1.34.4' })).toEqual({ version: 'v1.30.0', source: 'option kubeVersion' });
    expect(chooseKubeVersion(undefined, { context: 'c', version: 'v1.34.4' })).toEqual({ version: 'v1.34.4', source: 'server of kube context c' });
    expect(chooseKubeVersion(undefined, { context: 'c', version: null })).toEqual({ version: null, source: "helm's default: kube context c did not answer" });
    expect(chooseKubeVersion(undefined, { context: null, version: null })).toEqual({ version: null, source: "helm's default: no kube context" });
  });
  it('is written major.minor[.patch], v optional; anything else is refused', () => {
    expect(['1.34', 'v1.34.4', '1.34.4+k3s1'].map((v) => parseKubeVersion(v, 'o'))).toEqual(['v1.34', 'v1.34.4', 'v1.34.4+k3s1']);
    expect(() => parseKubeVersion('latest', 'option kubeVersion of app:validate')).toThrow(
      'option kubeVersion of app:validate: "latest" is not a Kubernetes version. Fix: write it as major.minor[.patch], e.g. 1.34 or v1.34.4',
    );
  });
});
