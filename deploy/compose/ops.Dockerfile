# syntax=docker/dockerfile:1
# The compose stack's one-shots: nginx-config (deploy/compose/nginx-config.sh →
# `vidgate render-nginx`) and minio-init (deploy/minio-init/init.sh with mc).
# Built by deploy/compose/build-service.sh, the script `npm test` runs too.

# mc from MinIO's own image, the release nearest to the one the tests build from source.
FROM quay.io/minio/mc:RELEASE.2025-03-12T17-29-24Z AS mc

FROM node:20.20.2-bookworm-slim AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.npm sh deploy/compose/build-service.sh stack /app

FROM node:20.20.2-bookworm-slim
ENV NODE_ENV=production
COPY --from=mc /usr/bin/mc /usr/local/bin/mc
COPY --from=build /app /app
# The rendered config's volume takes this folder's owner when Docker creates it.
RUN mkdir -p /srv/vidgate-nginx && chown node:node /srv/vidgate-nginx
WORKDIR /app
USER node
# One-shot jobs: they exit when done, there is nothing to probe.
HEALTHCHECK NONE
CMD ["node", "services/stack/bin/vidgate.js", "help"]
