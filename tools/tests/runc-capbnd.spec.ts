// runc-capbnd (tools/setup/runc-capbnd), built for real and run in front of a stand-in runc
// that records its arguments: it must hand runc every argument unchanged, and remove from
// the container's capabilities exactly those this host's bounding set lacks.
import execa from 'execa';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { WORKSPACE } from './support/workspace';

const tmp = mkdtempSync(join(tmpdir(), 'workspace-tests-capbnd-'));
const shim = join(tmp, 'runc-capbnd');
const bin = join(tmp, 'bin');
const argsFile = join(tmp, 'runc-args');

// The kernel's capability names, by number (linux/capability.h).
const CAPS = `CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP LINUX_IMMUTABLE NET_BIND_SERVICE
  NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT
  SYS_NICE SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG
  WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF CHECKPOINT_RESTORE`
  .split(/\s+/)
  .map((c) => `CAP_${c}`);
const last = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
const bounding = BigInt(`0x${/^CapBnd:\s*([0-9a-f]+)/m.exec(readFileSync('/proc/self/status', 'utf8'))![1]}`);
const all = CAPS.slice(0, last + 1);
const granted = all.filter((_, i) => (bounding >> BigInt(i)) & 1n);

const sets = (caps: string[]) => ({ bounding: caps, effective: caps, permitted: caps, inheritable: caps, ambient: caps });
// What Docker writes for --privileged, with a limit too large for a float (kept exactly).
const spec = (caps: string[]) =>
  `{"ociVersion":"1.0.2","process":{"args":["/sbin/init"],"capabilities":${JSON.stringify(sets(caps))}},"linux":{"resources":{"pids":{"limit":9223372036854775807}}}}`;

async function runShim(args: string[]) {
  await execa(shim, args, { env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
  return readFileSync(argsFile, 'utf8').trim();
}

beforeAll(async () => {
  await execa('go', ['build', '-o', shim, '.'], { cwd: join(WORKSPACE, 'tools/setup/runc-capbnd'), env: { ...process.env, CGO_ENABLED: '0' } });
  mkdirSync(bin);
  writeFileSync(join(bin, 'runc'), `#!/bin/sh\nprintf '%s ' "$@" > ${argsFile}\n`);
  chmodSync(join(bin, 'runc'), 0o755);
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

test('create: the bundle config keeps exactly the capabilities the host grants, and everything else byte for byte', async () => {
  const bundle = join(tmp, 'bundle');
  mkdirSync(bundle);
  writeFileSync(join(bundle, 'config.json'), spec(all));
  const args = [
    '--root',
    '/run/r',
    '--log',
    '/run/l.json',
    '--log-format',
    'json',
    '--systemd-cgroup',
    'create',
    '--bundle',
    bundle,
    '--pid-file',
    '/run/p',
    'id1',
  ];
  expect(await runShim(args)).toBe(args.join(' '));
  const written = readFileSync(join(bundle, 'config.json'), 'utf8');
  const parsed = JSON.parse(written);
  for (const set of Object.values(parsed.process.capabilities)) expect(set).toEqual(granted);
  expect(written).toContain('"limit":9223372036854775807');
  expect(parsed.process.args).toEqual(['/sbin/init']);
});

test('exec: the --process file is trimmed the same way (docker exec --privileged)', async () => {
  const process = join(tmp, 'process.json');
  writeFileSync(process, JSON.stringify({ args: ['cat', '/kind/version'], capabilities: sets(all) }));
  const args = ['--root', '/run/r', 'exec', '--process', process, '--detach', 'id1'];
  expect(await runShim(args)).toBe(args.join(' '));
  expect(JSON.parse(readFileSync(process, 'utf8')).capabilities.effective).toEqual(granted);
});

test('a container that asks only for granted capabilities, and commands without a spec, pass through untouched', async () => {
  const bundle = join(tmp, 'plain');
  mkdirSync(bundle);
  const docker = spec(['CAP_CHOWN', 'CAP_KILL', 'CAP_NET_BIND_SERVICE']);
  writeFileSync(join(bundle, 'config.json'), docker);
  await runShim(['create', '-b', bundle, 'id2']);
  expect(readFileSync(join(bundle, 'config.json'), 'utf8')).toBe(docker);
  expect(await runShim(['--root', '/run/r', 'state', 'id2'])).toBe('--root /run/r state id2');
});

test("oomScoreAdj below runc's own is raised to it when the host lacks CAP_SYS_RESOURCE (the kubelet's -998 for critical pods), others kept", async () => {
  const own = Number(readFileSync('/proc/self/oom_score_adj', 'utf8'));
  const canLower = granted.includes('CAP_SYS_RESOURCE');
  for (const [asked, want] of [
    [-998, canLower ? -998 : own],
    [own + 100, own + 100],
  ]) {
    const bundle = mkdtempSync(join(tmp, 'oom-'));
    writeFileSync(join(bundle, 'config.json'), JSON.stringify({ process: { args: ['/pause'], oomScoreAdj: asked, capabilities: sets(granted) } }));
    await runShim(['create', '--bundle', bundle, 'id3']);
    expect(JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')).process.oomScoreAdj).toBe(want);
  }
});
