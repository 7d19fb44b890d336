# restmap container: build on Debian 12 with the same install script CI
# uses, run as a non-root user with only the runtime libraries.
FROM debian:12-slim AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/install-deps.sh
RUN sh scripts/install-deps.sh
COPY . .
RUN make clean && make -j"$(nproc)" all

FROM debian:12-slim
# "runtime" installs the libraries restmap needs at run time, libpq5
# (PostgreSQL's client library) among them: one image serves sqlite:// and
# postgresql:// URLs (compose.yaml runs it against PostgreSQL); libjwt0 and
# OpenSSL's libssl3 (libcrypto) check bearer tokens and key the cursor MACs;
# libxxhash0 fingerprints the ETags of entities without a version column.
COPY scripts/install-deps.sh /tmp/install-deps.sh
RUN sh /tmp/install-deps.sh runtime && rm -rf /var/lib/apt/lists/* /tmp/install-deps.sh \
    && useradd --system --home /var/lib/restmap --create-home restmap
COPY --from=build /src/build/restmap /usr/local/bin/restmap
COPY --from=build /src/schemas /etc/restmap/schemas
COPY --from=build /src/static /usr/share/restmap/static
USER restmap
WORKDIR /var/lib/restmap
VOLUME ["/var/lib/restmap"]
ENV RESTMAP_SCHEMA=/etc/restmap/schemas/blog.json \
    RESTMAP_DB=sqlite:////var/lib/restmap/restmap.db \
    RESTMAP_BIND=0.0.0.0 \
    RESTMAP_PORT=8080 \
    RESTMAP_STATIC=/usr/share/restmap/static \
    RESTMAP_CREATE_ALL=1
EXPOSE 8080
# curl is not in the runtime image: bash's /dev/tcp asks /healthz directly
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 \
    CMD bash -c 'exec 3<>/dev/tcp/127.0.0.1/${RESTMAP_PORT} && printf "GET /healthz HTTP/1.0\r\n\r\n" >&3 && head -1 <&3 | grep -q " 200 "'
ENTRYPOINT ["/usr/local/bin/restmap"]
