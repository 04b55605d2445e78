# Stockroom: API + console in one image. Build: docker build -t stockroom:local .
# The runtime stage is exactly the layout of scripts/build-runtime.sh — the same script runs here and on CI,
# where scripts/production-smoke.sh starts that layout and uses it over HTTP.
ARG NODE_IMAGE=node:20.20.2-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
ENV NX_NO_CLOUD=true NX_DAEMON=false CYPRESS_INSTALL_BINARY=0
# The npm CI uses: the same install scripts run (npm 11 runs only those in allowScripts), the same trees.
# The runtime manifest pins it too (devEngines), so a different npm fails the runtime install.
RUN npm install -g npm@11.19.1 --no-audit --no-fund
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY . .
# Builds server + console, derives the runtime manifest from the bundle, installs it with --omit=dev in
# /runtime and checks that every module the bundle loads is installed there.
RUN bash scripts/build-runtime.sh /runtime

FROM ${NODE_IMAGE}
ENV NODE_ENV=production PORT=8624 HOST=0.0.0.0 STOCKROOM_DATA_DIR=/data
WORKDIR /app
# Owned by root, read-only for the server; only /data is its own.
COPY --from=build /runtime /app
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 8624
# Liveness: 200 while the process runs (a database blip must not restart the container). Load balancers
# use GET /health (readiness: 503 while the database is down).
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8624)+'/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "main.js"]
