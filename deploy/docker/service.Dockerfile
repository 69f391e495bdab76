# One image per reference service: docker build -f deploy/docker/service.Dockerfile --build-arg SERVICE=users .
# Multi-stage: built to JavaScript in one stage, production dependencies of the one workspace in
# another; the image runs the built JavaScript on node alone.
ARG NODE_IMAGE=node:20-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY . .
RUN npm ci --no-audit --no-fund && npm run build

FROM ${NODE_IMAGE} AS deps
ARG SERVICE
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages/kit/package.json packages/kit/
COPY services/users/package.json services/users/
COPY services/orders/package.json services/orders/
COPY services/notifications/package.json services/notifications/
RUN npm ci --omit=dev --no-audit --no-fund --workspace=services/${SERVICE}

FROM ${NODE_IMAGE}
ARG SERVICE
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080 SERVICE_ENTRY=services/${SERVICE}/dist/src/main.js
WORKDIR /app
COPY --from=deps /app/node_modules node_modules
COPY --from=build /app/packages/kit/package.json packages/kit/
COPY --from=build /app/packages/kit/dist packages/kit/dist
# A service uses the contracts of others (their built dist), never their code.
COPY --from=build /app/services services
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.PORT+'/health/ready').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# exec: node is PID 1's only process and receives SIGTERM directly.
CMD ["sh", "-c", "exec node \"$SERVICE_ENTRY\""]
