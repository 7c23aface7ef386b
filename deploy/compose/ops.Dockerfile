# The compose stack's one-shots: nginx-config (deploy/compose/nginx-config.sh →
# `vidgate render-nginx`) and minio-init (deploy/minio-init/init.sh with mc).
# Built by deploy/compose/build-service.sh, the script `npm test` runs too.
# NODE_IMAGE and MC_IMAGE: the base images (the official ones unless an
# air-gapped site mirrors them under other names).
ARG NODE_IMAGE=node:20.20.2-bookworm-slim
# mc from MinIO's own image, the release nearest to the one the tests build from source.
ARG MC_IMAGE=quay.io/minio/mc:RELEASE.2025-03-12T17-29-24Z

FROM ${MC_IMAGE} AS mc

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY . .
RUN --mount=type=cache,target=/root/.npm sh deploy/compose/build-service.sh stack /app

FROM ${NODE_IMAGE}
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
