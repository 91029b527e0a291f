import path from 'node:path';
import type { NextConfig } from 'next';

const nextConfig: NextConfig = {
  // server.js plus only the traced node_modules: what the Docker image ships.
  output: 'standalone',
  // npm workspaces hoist dependencies to the repo root, so tracing must start there.
  outputFileTracingRoot: path.join(__dirname, '../..'),
  // No <Image> optimisation here, so sharp (~20 MB of native libvips) never loads:
  // keep it out of the standalone bundle and so out of the image.
  images: { unoptimized: true },
  outputFileTracingExcludes: { '*': ['../../node_modules/sharp/**/*', '../../node_modules/@img/**/*'] },
  poweredByHeader: false,
};

export default nextConfig;
