# A container image with tlscompat, for the Kubernetes example in the README
# ("Scaling out"): the Debian package installed into debian:bookworm-slim,
# so the image runs exactly what `dpkg -i` installs elsewhere.
#
#   scripts/build-deb                      # target/debian/tlscompat_<version>-1_amd64.deb
#   docker build -t tlscompat:0.1.0 .      # picks the newest .deb from target/debian/
#   docker run --rm tlscompat:0.1.0 demo
#
# Untested in this repository: its development and CI machines have no
# container runtime. CI checks the same package on the host instead
# (.ci/package: dpkg -i, tlscompat --version, man, completions, demo).
FROM debian:bookworm-slim
# Only the package comes in (.dockerignore leaves everything else out).
COPY target/debian/ /tmp/debian/
# ca-certificates: --from-manager checks the manager's certificate against
# the system's trust store unless --api-ca is given.
RUN set -eu; \
    deb=$(ls -t /tmp/debian/tlscompat_*.deb | head -n1); \
    apt-get update; \
    apt-get install -y --no-install-recommends ca-certificates "$deb"; \
    rm -rf /var/lib/apt/lists/* /tmp/debian; \
    tlscompat --version
# No root needed: the tool only connects out (and `serve` listens on a port
# above 1024 by default).
USER 65534:65534
ENTRYPOINT ["tlscompat"]
CMD ["--help"]
