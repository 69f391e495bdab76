# One image per reference service: docker build -f deploy/docker/service.Dockerfile --build-arg SERVICE=users .
# Multi-stage: dependencies are installed for the one workspace only, without dev dependencies.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS deps
ARG SERVICE
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/kit/package.json packages/kit/
COPY services/${SERVICE}/package.json services/${SERVICE}/
RUN npm ci --omit=dev --no-audit --no-fund --workspace=services/${SERVICE}

FROM ${NODE_IMAGE}
ARG SERVICE
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080 SERVICE_ENTRY=services/${SERVICE}/src/main.ts
WORKDIR /app
COPY --from=deps /app/node_modules node_modules
COPY --chown=root:root packages/kit packages/kit
COPY --chown=root:root services/${SERVICE} services/${SERVICE}
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.PORT+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# exec form: node is PID 1's child-free process and receives SIGTERM directly.
CMD ["sh", "-c", "exec node --import tsx \"$SERVICE_ENTRY\""]
