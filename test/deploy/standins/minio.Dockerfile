# Stand-in for the official quay.io/minio/minio image, for the test suite only:
# Debian bookworm with the MinIO server the suite builds from source (pinned in
# services/stack/bin/bootstrap.sh) and curl, which the compose health check uses.
ARG BASE
FROM ${BASE}
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends curl ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY minio /usr/bin/minio
EXPOSE 9000
ENTRYPOINT ["minio"]
CMD ["server", "/data"]
