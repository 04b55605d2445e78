# Stockroom: API + console in one image. Build: docker build -t stockroom .
FROM node:20-bookworm-slim AS build
WORKDIR /src
ENV NX_NO_CLOUD=true NX_DAEMON=false CYPRESS_INSTALL_BINARY=0
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund
COPY . .
RUN npx nx run-many -t build -p api web

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production PORT=8624 HOST=0.0.0.0 STOCKROOM_DATA_DIR=/data
COPY --from=build /src/dist/apps/api/package.json /src/dist/apps/api/package-lock.json ./
RUN npm install --omit=dev --no-audit --no-fund
COPY --from=build /src/dist/apps/api ./
COPY --from=build /src/dist/apps/web ./web
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 8624
HEALTHCHECK --interval=30s --timeout=5s CMD node -e "fetch('http://127.0.0.1:8624/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "main.js"]
