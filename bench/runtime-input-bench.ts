// What moving the cluster check from a custom hasher (in-process, Nx's own process) to a
// `{ "runtime": ... }` input (a process per cluster task per run) would cost, in one run on
// the same machine: the in-process check against the same check as a fresh process, median
// of N each, interleaved. The release must exist (run a deploy first).
// Usage: node -r @swc-node/register bench/runtime-input-bench.ts [runs=7]
import execa from 'execa';
import { join } from 'path';
import { check } from './sync-state';

const runs = Number(process.argv[2] ?? 7);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const args = ['todo-app', 'default', 'nx-k8s desired=bench'];
  const inProcess: number[] = [];
  const asProcess: number[] = [];
  await check(args[0], args[1], args[2]); // warm: helm and kubectl binaries in the page cache
  for (let i = 0; i < runs; i++) {
    let t = process.hrtime.bigint();
    await check(args[0], args[1], args[2]);
    inProcess.push(Number(process.hrtime.bigint() - t) / 1e6);
    t = process.hrtime.bigint();
    await execa('node', ['-r', '@swc-node/register', join(__dirname, 'sync-state.ts'), ...args], { cwd: join(__dirname, '..') });
    asProcess.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  const a = median(inProcess);
  const b = median(asProcess);
  console.log(`release check in the hasher's process: ${a.toFixed(0)} ms (median of ${runs})`);
  console.log(
    `release check as a runtime-input process: ${b.toFixed(0)} ms (median of ${runs}): ${(b / a).toFixed(2)}x, +${(b - a).toFixed(0)} ms per cluster task per run`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
