# trustlint as a container image: the binary only, run as a non-root user.
#
#   docker build -t trustlint .
#   docker run --rm -v "$PWD:/src" -w /src trustlint check .
#
# The build stage compiles the release profile (fat LTO) from the locked dependencies;
# the final stage is distroless (glibc, CA certificates, no shell, user 65532). Without a
# shell it is for `docker run`; GitLab CI jobs install a release instead (templates/).
FROM rust:1.89-bookworm AS build
WORKDIR /build
COPY . .
RUN cargo build --release --locked -p trustlint \
    && install -D -m 0755 target/release/trustlint /out/trustlint

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/trustlint /usr/local/bin/trustlint
USER nonroot:nonroot
WORKDIR /src
ENTRYPOINT ["/usr/local/bin/trustlint"]
CMD ["check", "."]
