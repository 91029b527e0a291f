// The build's non-TypeScript files: executor and generator schemas, next to the compiled code
// at the paths executors.json and generators.json name, and the generators' template files
// (src/generators/<name>/files/), which generateFiles reads beside the compiled generator.
const { cpSync, readdirSync, statSync } = require('fs');
const { join, relative, sep } = require('path');

const root = join(__dirname, '..');
const walk = (dir) => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
const isTemplate = (file) => /^src\/generators\/[^/]+\/files\//.test(relative(root, file).split(sep).join('/'));
for (const file of walk(join(root, 'src')).filter((f) => f.endsWith('schema.json') || isTemplate(f))) {
  cpSync(file, join(root, 'dist', relative(root, file)));
}
