# syntax=docker/dockerfile:1
# The InLav PUA service in a container: built from this tree, run as a user without privileges,
# the data directory (SQLite, generated secrets) a volume.
#   docker build -t inlav .
#   docker run -d -p 127.0.0.1:8080:8080 -v inlav-data:/var/lib/inlav \
#     -e INLAV_ADMIN_EMAIL=admin@example.org inlav
# With PostgreSQL, add -e DATABASE_URL=postgres://inlav@db/inlav (and keep the volume for the
# secrets, or set INLAV_JWT_SECRET, INLAV_PSEUDONYM_KEY and INLAV_AUDIT_KEY).

FROM rust:1.95-bookworm AS build
# perl and make build the vendored OpenSSL (for libpq); the image has the C compiler.
RUN apt-get update \
 && apt-get install -y --no-install-recommends perl make \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p inlav-api --bin inlav \
 && install -m 0755 target/release/inlav /usr/local/bin/inlav

FROM debian:bookworm-slim
# ca-certificates for webhook deliveries over HTTPS; curl for the health check.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/inlav --shell /usr/sbin/nologin inlav \
 && install -d -m 0700 -o inlav -g inlav /var/lib/inlav
COPY --from=build /usr/local/bin/inlav /usr/local/bin/inlav
ENV INLAV_DATA_DIR=/var/lib/inlav \
    INLAV_BIND=0.0.0.0:8080 \
    INLAV_LOG=info,json
VOLUME ["/var/lib/inlav"]
EXPOSE 8080
USER inlav
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/ready >/dev/null || exit 1
# SIGTERM (docker stop): running requests finish and the audit entries are written.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/inlav"]
CMD ["serve"]
