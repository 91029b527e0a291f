// kind adapter. `kind load docker-image` itself skips nodes that already hold the image ID.
import { Runner, runOk } from './run';

/** kind prints "Image: "x" with ID "sha256:..." found to be already present on all nodes." when it skips. */
export function loadSkipped(output: string): boolean {
  return /already present on all nodes/i.test(output);
}

export class Kind {
  constructor(
    private readonly run: Runner,
    readonly cluster: string,
  ) {}

  /** Returns whether kind transferred the image (false: every node already had it). */
  async load(ref: string): Promise<boolean> {
    const r = await runOk(this.run, 'kind', ['load', 'docker-image', '--name', this.cluster, ref]);
    return !loadSkipped(r.stdout + r.stderr);
  }
}
