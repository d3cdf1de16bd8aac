# syntax=docker/dockerfile:1
# Multi-stage build: a static binary in a minimal, non-root image.
#   docker build -t syndicate .
#   docker run -p 8080:8080 syndicate                     # the offline demo
#   docker run -p 8080:8080 -v $PWD/syndicate.yaml:/etc/syndicate/syndicate.yaml \
#     -e SYNDICATE_REDIS_URL=redis://redis:6379/0 syndicate serve --config /etc/syndicate/syndicate.yaml
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.Version=${VERSION}" -o /out/syndicate ./cmd/syndicate \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/syndicate /usr/local/bin/syndicate
COPY --from=build /src/examples /srv/syndicate/examples
COPY --from=build --chown=nonroot:nonroot /out/data /srv/syndicate/data
WORKDIR /srv/syndicate
ENV SYNDICATE_LISTEN=:8080 SYNDICATE_DATA_DIR=/srv/syndicate/data
EXPOSE 8080
USER nonroot:nonroot
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/syndicate", "healthcheck", "--url", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["/usr/local/bin/syndicate"]
CMD ["serve", "--config", "/srv/syndicate/examples/demo.yaml"]
