# Build: docker build -t crm-backend .
# Run:   docker run --rm -p 8000:8000 --env-file .env -v "$(pwd)/data:/app/data" crm-backend
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p crm-http --bin crm-server

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home /app crm \
    && mkdir -p /app/data \
    && chown crm /app/data
WORKDIR /app
COPY --from=build /src/target/release/crm-server /usr/local/bin/crm-server
ENV HOST=0.0.0.0 \
    PORT=8000 \
    DATABASE_URL=/app/data/app.db \
    RUST_LOG=info
VOLUME ["/app/data"]
EXPOSE 8000
USER crm
# SIGTERM stops accepting connections and lets in-flight requests finish (30 s).
STOPSIGNAL SIGTERM
ENTRYPOINT ["crm-server"]
CMD ["serve"]
