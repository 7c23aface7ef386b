# Stand-in for the official postgres:15.14-bookworm, for the test suite only:
# Debian bookworm's PostgreSQL 15 (its own point release, not 15.14) with the
# official image's user (postgres, uid 999), PGDATA, PATH, socket folder, port,
# stop signal and the contract of its entrypoint (postgres-entrypoint.sh: the
# POSTGRES_* settings and their _FILE forms, initdb on an empty PGDATA,
# /docker-entrypoint-initdb.d, the en_US.utf8 locale). It differs in that it
# steps down from root with setpriv instead of gosu and has no nss_wrapper for
# running initdb as a --user that /etc/passwd does not know.
ARG BASE
FROM ${BASE}
RUN groupadd --system --gid 999 postgres \
    && useradd --system --gid postgres --uid 999 --home-dir /var/lib/postgresql --shell /bin/bash postgres \
    && install --directory --owner postgres --group postgres --mode 1777 /var/lib/postgresql \
    && printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d \
    && apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-common \
    && sed -ri 's/#(create_main_cluster) .*$/\1 = false/' /etc/postgresql-common/createcluster.conf \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-15 locales xz-utils zstd \
    && apt-get clean && rm -rf /var/lib/apt/lists/* \
    && echo 'en_US.UTF-8 UTF-8' >> /etc/locale.gen && locale-gen \
    && sed -ri "s!^#?(listen_addresses)\s*=\s*\S+.*!\1 = '*'!" /usr/share/postgresql/15/postgresql.conf.sample \
    && grep -qF "listen_addresses = '*'" /usr/share/postgresql/15/postgresql.conf.sample \
    && install --directory --owner postgres --group postgres --mode 3777 /var/run/postgresql \
    && install --directory --owner postgres --group postgres --mode 1777 /var/lib/postgresql/data \
    && mkdir /docker-entrypoint-initdb.d
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/postgresql/15/bin \
    LANG=en_US.utf8 \
    PG_MAJOR=15 \
    PGDATA=/var/lib/postgresql/data
VOLUME /var/lib/postgresql/data
COPY docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENTRYPOINT ["docker-entrypoint.sh"]
# SIGINT is PostgreSQL's fast shutdown: sessions are ended, data is flushed.
STOPSIGNAL SIGINT
EXPOSE 5432
CMD ["postgres"]
