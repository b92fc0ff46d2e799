# goalstream: build in the Rust image (the toolchain of rust-toolchain.toml), run on a slim
# Debian with the example catalog. librdkafka is built from source by rdkafka-sys (bundled).
FROM rust:1.95-bookworm AS build
RUN apt-get update && apt-get install -y --no-install-recommends cmake python3 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo build --release --locked --bin goalstream

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/goalstream /usr/local/bin/goalstream
COPY config /app/config
WORKDIR /app
EXPOSE 8080 9464
ENTRYPOINT ["goalstream"]
CMD ["run"]
