# Stand-in for the official node:20.20.2-bookworm-slim, for the test suite only
# (no container registry is reachable here): Debian bookworm with this machine's
# own Node 20 and npm, a `node` user (uid 1000) as in the official image, and the
# host's CA bundle, because npm reaches its registry through a TLS-inspecting proxy.
ARG BASE
FROM ${BASE}
COPY node /usr/local/bin/node
COPY npm /usr/local/lib/node_modules/npm
COPY ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
    && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
    && groupadd --gid 1000 node \
    && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
CMD ["node"]
