# The Next.js frontend as a standalone server. Build context: the repo root.
#   docker build -f docker/frontend.Dockerfile .
# Every stage starts from NODE_BASE so a locally built Node image can stand in
# for the upstream default.
ARG NODE_BASE=node:20-slim

# Only the frontend workspace's packages, exactly as the root lock file pins them.
FROM ${NODE_BASE} AS deps
ENV NPM_CONFIG_UPDATE_NOTIFIER=false \
    NPM_CONFIG_FUND=false \
    NPM_CONFIG_AUDIT=false
WORKDIR /repo
COPY package.json package-lock.json ./
COPY apps/frontend/package.json apps/frontend/
# No install scripts: next and its SWC compiler ship prebuilt binaries.
# npm 10 can exit 0 after failed downloads ("Exit handler never called!"): npm ls
# fails the step instead of caching a half-installed layer.
RUN npm ci --workspace frontend --ignore-scripts \
 && npm ls --workspace frontend >/dev/null

FROM ${NODE_BASE} AS build
WORKDIR /repo
ENV NEXT_TELEMETRY_DISABLED=1
COPY --from=deps /repo ./
COPY apps/frontend apps/frontend
WORKDIR /repo/apps/frontend
RUN ../../node_modules/.bin/next build

# server.js and the node_modules it traced; static assets beside it so it serves them.
FROM ${NODE_BASE} AS runtime
WORKDIR /app
ENV NODE_ENV=production \
    HOSTNAME=0.0.0.0 \
    PORT=3000 \
    NEXT_TELEMETRY_DISABLED=1
COPY --from=build /repo/apps/frontend/.next/standalone ./
COPY --from=build /repo/apps/frontend/.next/static ./apps/frontend/.next/static
COPY --from=build /repo/apps/frontend/public ./apps/frontend/public
# Files stay root-owned: the server only reads them.
USER 10001:10001
EXPOSE 3000
CMD ["node", "apps/frontend/server.js"]
