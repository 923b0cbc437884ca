# anteroom: a static binary in a small, non-root image.
#   docker build -t anteroom --build-arg VERSION=v0.1.0 .
#   docker run -p 8080:8080 -e ANTEROOM_SECRET=... -v $PWD/anteroom.yaml:/etc/anteroom/anteroom.yaml:ro anteroom
# The configuration is mounted, not baked in: it names the shop, and in a
# container it must listen on all interfaces (listen: ":8080").
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=devel
# The same script the end-to-end test builds with.
RUN scripts/build.sh /out/anteroom "$VERSION" && mkdir -p /out/state

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/anteroom /usr/local/bin/anteroom
# The memory store keeps its state file here across restarts.
COPY --from=build --chown=65532:65532 /out/state /var/lib/anteroom
WORKDIR /var/lib/anteroom
USER 65532:65532
EXPOSE 8080 9090
# Healthy when the node's /readyz says ready (its store answers). The
# image has no shell and no curl, so the binary asks. The admin listener
# is looked for at 127.0.0.1:9090; set ANTEROOM_ADMIN_ADDR if admin.listen
# is elsewhere. Stop with a grace period longer than the 20 s drain:
# docker stop -t 30.
HEALTHCHECK --interval=10s --timeout=5s --start-period=10s --retries=3 CMD ["/usr/local/bin/anteroom", "health"]
ENTRYPOINT ["/usr/local/bin/anteroom"]
CMD ["serve", "-config", "/etc/anteroom/anteroom.yaml"]
