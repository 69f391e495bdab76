# The embedded registry, trace store and dashboard, for small deployments without Consul.
# docker build -f deploy/docker/control-plane.Dockerfile .
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund && npm run build --workspace=packages/control-plane

FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/kit/package.json packages/kit/
COPY packages/control-plane/package.json packages/control-plane/
RUN npm ci --omit=dev --no-audit --no-fund --workspace=packages/control-plane

FROM ${NODE_IMAGE}
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8500
WORKDIR /app
COPY --from=deps /app/node_modules node_modules
COPY --from=build /app/packages/kit/package.json packages/kit/
COPY --from=build /app/packages/kit/dist packages/kit/dist
COPY --from=build /app/packages/control-plane/package.json packages/control-plane/
COPY --from=build /app/packages/control-plane/dist packages/control-plane/dist
COPY --from=build /app/packages/control-plane/ui packages/control-plane/ui
RUN mkdir -p /app/.flotilla && chown node:node /app/.flotilla
USER node
EXPOSE 8500
VOLUME ["/app/.flotilla"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.PORT+'/v1/status/leader').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "packages/control-plane/dist/main.js"]
