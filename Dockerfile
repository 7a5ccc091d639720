# Multi-stage image mirroring `make`: the same setup and site scripts, then a release build of the
# server. The runtime image has the binary, the site files and PostgreSQL's server binaries (for
# the embedded database; set DATABASE_URL to use your own instead).
FROM rust:1.95-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
ENV SQLX_OFFLINE=true CARGO_TARGET_DIR=/src/target
RUN scripts/setup.sh && scripts/build-site.sh && cargo build --release -p server

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends postgresql ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /var/lib/storepulse
COPY --from=build /src/target/release/storepulse /usr/local/bin/storepulse
COPY --from=build /src/target/site /srv/storepulse/site
ENV STOREPULSE_SITE_ROOT=/srv/storepulse/site \
    STOREPULSE_DATA_DIR=/var/lib/storepulse \
    STOREPULSE_ADDR=0.0.0.0:3000
VOLUME /var/lib/storepulse
EXPOSE 3000
CMD ["storepulse", "serve"]
