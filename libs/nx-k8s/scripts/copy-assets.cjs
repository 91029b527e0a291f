// The build's non-TypeScript files: executor and generator schemas, next to the compiled code
// at the paths executors.json and generators.json name.
const { cpSync, readdirSync, statSync } = require('fs');
const { join, relative } = require('path');

const root = join(__dirname, '..');
const walk = (dir) => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
for (const file of walk(join(root, 'src')).filter((f) => f.endsWith('schema.json'))) {
  cpSync(file, join(root, 'dist', relative(root, file)));
}
