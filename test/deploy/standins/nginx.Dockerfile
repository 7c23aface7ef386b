# Stand-in for the official nginx:1.28.0-alpine, for the test suite only: Debian
# bookworm's nginx 1.22 with njs 0.7.9 (the official image has a newer njs; the
# njs code is written for 0.7.9) and the stream module, which Debian builds as a
# dynamic module (lb.conf loads it from modules-enabled when it is there). wget
# for the health check, /var/cache/nginx for temporary files, SIGQUIT to stop
# gracefully: as in the official image.
ARG BASE
FROM ${BASE}
RUN printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d \
    && apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx libnginx-mod-http-js libnginx-mod-stream wget \
    && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled/default \
    && mkdir -p /var/cache/nginx
STOPSIGNAL SIGQUIT
CMD ["nginx", "-g", "daemon off;"]
