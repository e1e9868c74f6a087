#!/usr/bin/env bash
# Builds the image on a Debian base made here with debootstrap (where the public base images
# cannot be pulled), imports it into podman, builds the Dockerfile on it and smoke-tests the
# result: the container migrates and starts on SQLite, /healthz answers, jsQR.js is served,
# `patrol backup` runs (pg_dump is in the image).
# Needs root, podman, runc and debootstrap (apt-get install -y podman runc debootstrap). Not
# part of `make test`: the first run debootstraps a base and takes minutes.
# In a sandbox (a cgroup v1/v2 hybrid, rlimits that cannot be raised) crun refuses to start
# containers; runc with the shell's own limits works, so those are the defaults here.
#
#   deploy/build-image.sh [TAG]          TAG defaults to localhost/patrol:local
#   DEBIAN_SUITE=bookworm DEBIAN_MIRROR=<a Debian mirror URL> WORK_DIR=/var/tmp/patrol-image
set -euo pipefail
cd "$(dirname "$0")/.."

TAG=${1:-localhost/patrol:local}
SUITE=${DEBIAN_SUITE:-bookworm}
WORK=${WORK_DIR:-/var/tmp/patrol-image}
BASE=localhost/patrol-debian-base:$SUITE
NODE=localhost/patrol-node-base:$SUITE

host_mirror() {
  # The mirror this machine's apt already uses (deb822 sources, then the classic list).
  { grep -h '^URIs:' /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '{print $2}'
    grep -h "^deb " /etc/apt/sources.list 2>/dev/null | awk "{print \$2}"; } | grep -v security | head -1 || true
}
MIRROR=${DEBIAN_MIRROR:-$(host_mirror)}
[ -n "$MIRROR" ] || { echo "set DEBIAN_MIRROR to a Debian mirror URL" >&2; exit 1; }
step() { printf '\n== %s\n' "$*"; }
RUNTIME=${PODMAN_RUNTIME:-$(command -v runc >/dev/null && echo runc || echo crun)}
LIMITS=(--ulimit "nofile=$(ulimit -n):$(ulimit -n)" --ulimit "nproc=4096:4096")
PODMAN=(podman --runtime "$RUNTIME")

if ! podman image exists "$BASE"; then
  step "debootstrap $SUITE into $WORK/rootfs"
  rm -rf "$WORK/rootfs" && mkdir -p "$WORK/rootfs"
  debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
    "$SUITE" "$WORK/rootfs" "$MIRROR"
  echo "deb $MIRROR $SUITE main" > "$WORK/rootfs/etc/apt/sources.list"
  chroot "$WORK/rootfs" apt-get clean
  rm -rf "$WORK/rootfs/var/lib/apt/lists/"*
  step "import the base as $BASE"
  tar -C "$WORK/rootfs" -c . | podman import - "$BASE"
  rm -rf "$WORK/rootfs"
fi

if ! podman image exists "$NODE"; then
  step "node base (Debian's nodejs and npm) as $NODE"
  printf 'FROM %s\nRUN apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*\n' "$BASE" \
    | "${PODMAN[@]}" build --network=host "${LIMITS[@]}" -t "$NODE" -f - .
fi

# Behind a TLS-intercepting egress proxy the build needs this machine's CA bundle: mounted for
# the build steps only (npm and pip read it through the two build arguments), never copied in.
CA=()
if [ -n "${HOST_CA_BUNDLE:-}" ] || [ -n "$(ls /usr/local/share/ca-certificates/ 2>/dev/null)" ]; then
  bundle=${HOST_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
  CA=(--volume "$bundle:/run/host-ca.crt:ro" --build-arg NODE_EXTRA_CA_CERTS=/run/host-ca.crt
      --build-arg PIP_CERT=/run/host-ca.crt)
fi

step "build $TAG"
"${PODMAN[@]}" build --format docker --network=host "${LIMITS[@]}" "${CA[@]}" --build-arg PYTHON_BASE="$BASE" --build-arg NODE_BASE="$NODE" -t "$TAG" .

step "smoke test"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
NAME=patrol-smoke-$$
"${PODMAN[@]}" run -d --rm "${LIMITS[@]}" --name "$NAME" -p "127.0.0.1:$PORT:8000" \
  -e PATROL_SECRET_KEY="smoke-test-secret-key-0123456789abcdef" \
  -e PATROL_DATABASE_URL="sqlite:////data/patrol.db" "$TAG" >/dev/null
trap '"${PODMAN[@]}" stop -t 5 "$NAME" >/dev/null 2>&1 || true' EXIT
ok=""
for _ in $(seq 1 60); do
  if curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; then ok=1; break; fi
  sleep 1
done
[ -n "$ok" ] || { "${PODMAN[@]}" logs "$NAME" | tail -30; echo "FAIL: /healthz never answered" >&2; exit 1; }
echo "ok: /healthz answers"
curl -fsS "http://127.0.0.1:$PORT/readyz" && echo
code=$(curl -s -o "$WORK/jsQR.js" -w '%{http_code}' "http://127.0.0.1:$PORT/node_modules/jsqr/dist/jsQR.js")
[ "$code" = 200 ] && grep -q jsQR "$WORK/jsQR.js" \
  || { echo "FAIL: /node_modules/jsqr/dist/jsQR.js answered $code" >&2; exit 1; }
echo "ok: /node_modules/jsqr/dist/jsQR.js served ($(wc -c < "$WORK/jsQR.js") bytes)"
"${PODMAN[@]}" exec "$NAME" pg_dump --version
"${PODMAN[@]}" exec "$NAME" python3 -m app.cli backup --to /data/smoke-backup \
  || { echo "FAIL: patrol backup in the container" >&2; exit 1; }
echo "ok: patrol backup runs in the container"
podman image ls "$TAG"
echo "PASS: $TAG built and smoke-tested"
