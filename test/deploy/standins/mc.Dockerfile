# Stand-in for the official quay.io/minio/mc image, for the test suite only: the
# mc client the suite builds from source, at /usr/bin/mc as in the official image.
ARG BASE
FROM ${BASE}
COPY mc /usr/bin/mc
ENTRYPOINT ["mc"]
