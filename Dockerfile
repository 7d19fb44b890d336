# restmap container: build on Debian 12 with the same install script CI
# uses, run as a non-root user with only the runtime libraries. The two
# package lists are checked against the build by `make test-deps`
# (tests/deps/: every library the binary links is in the runtime list and
# nothing else; the build list is the tools plus the -dev packages of the
# Makefile's pkg-config modules).
FROM debian:12-slim AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/install-deps.sh
# "build": compiler, pkg-config and the -dev packages; no test tools
RUN sh scripts/install-deps.sh build
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
    RESTMAP_CREATE_ALL=1 \
    RESTMAP_PORT_FILE=/tmp/restmap.port
EXPOSE 8080
# The server writes the address and port it actually listens on to
# RESTMAP_PORT_FILE ("HOST PORT", a wildcard bind as loopback; removed on
# exit), so the check follows `docker run IMAGE --port 9000` or --bind as
# well as RESTMAP_PORT. curl is not in the runtime image: bash's /dev/tcp
# asks /healthz directly.
HEALTHCHECK --interval=30s --timeout=3s --start-period=5s --retries=3 \
    CMD bash -c 'read -r host port < "$RESTMAP_PORT_FILE" && exec 3<>"/dev/tcp/$host/$port" && printf "GET /healthz HTTP/1.0\r\n\r\n" >&3 && head -1 <&3 | grep -q " 200 "'
ENTRYPOINT ["/usr/local/bin/restmap"]
