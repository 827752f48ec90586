#!/usr/bin/env bash
# Build the control-plane image dbaas/control-plane:<version> without any container
# registry, as the engine images are: a minimal root filesystem with both binaries
# (dbaas-api and dbaas-worker on PATH), the host's libc, libm, libgcc_s and loader (what
# ldd lists, with their Debian copyright files), Debian's CA bundle, and an unprivileged user, then `docker import`.
#
#   scripts/control-plane-image.sh     release build of the binaries (cargo build --release),
#                                      then the image, unless it was built from the same inputs
#                                      (its dbaas.inputs label: a hash of the binaries and this
#                                      script)
#   FORCE=1 ...                        import again
#
# The image runs as uid/gid 10001 (user dbaas), the chart's runAsUser. A worker that uses a
# Docker socket needs the socket's group as a supplementary group (`docker run --group-add
# GID`, the chart's worker.dockerSocket.groupId): that gid differs from node to node, so the
# image names no docker group. /tmp is writable (the worker writes Docker TLS files there;
# the chart mounts an emptyDir over it). The default command is dbaas-api.
#
# Env: DBAAS_CONTROL_PLANE_IMAGE (default dbaas/control-plane:<workspace version>),
# DBAAS_BIN_DIR (take the binaries from there instead of building them: the tests use
# target/debug).
set -euo pipefail
SCRIPT_NAME=control-plane-image
# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"

UID_GID=10001
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)"
[[ -n "$version" ]] || die "no version in Cargo.toml's [workspace.package]"
IMAGE="${DBAAS_CONTROL_PLANE_IMAGE:-dbaas/control-plane:$version}"
BINARIES=(dbaas-api dbaas-worker)

bin_dir="${DBAAS_BIN_DIR:-}"
if [[ -z "$bin_dir" ]]; then
	log "cargo build --release (dbaas-api, dbaas-worker)"
	cargo build --release --locked -p dbaas-api -p dbaas-worker --bins
	bin_dir="$ROOT/target/release"
fi
for bin in "${BINARIES[@]}"; do
	[[ -x "$bin_dir/$bin" ]] || die "$bin_dir/$bin is missing"
done
docker info > /dev/null 2>&1 || die "cannot reach the docker daemon; start it with scripts/services.sh start docker"

inputs="$({ sha256sum -- "${BINARIES[@]/#/$bin_dir/}" | cut -d' ' -f1 && sha256sum < "${BASH_SOURCE[0]}" &&
	declare -f copy_libs copy_copyright import_image; } | sha256sum | cut -c1-16)"
if [[ "${FORCE:-0}" != 1 && "$(image_inputs "$IMAGE")" == "$inputs" ]]; then
	log "$IMAGE is up to date (FORCE=1 to rebuild)"
	exit 0
fi

[[ -s /etc/ssl/certs/ca-certificates.crt ]] || {
	log "apt-get install ca-certificates"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends ca-certificates > /dev/null
}

work="$(mktemp -d)"
trap 'rm -rf --one-file-system "$work"' EXIT
root="$work/root"
mkdir -p "$root"/usr/{bin,lib,lib64,local/bin} "$root"/{etc/ssl/certs,tmp,home/dbaas}
# Debian's merged-/usr layout, so the paths ldd prints (/lib/..., /lib64/...) land in usr/.
ln -s usr/bin "$root/bin"
ln -s usr/lib "$root/lib"
ln -s usr/lib64 "$root/lib64"
chmod 1777 "$root/tmp"

for bin in "${BINARIES[@]}"; do
	install -m 0755 "$bin_dir/$bin" "$root/usr/local/bin/$bin"
	copy_libs "$root" "$bin_dir/$bin"
done
cp -L /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
cat > "$root/etc/passwd" << PASSWD
root:x:0:0:root:/root:/nonexistent
dbaas:x:$UID_GID:$UID_GID:dbaas:/home/dbaas:/nonexistent
nobody:x:65534:65534:nobody:/nonexistent:/nonexistent
PASSWD
cat > "$root/etc/group" << GROUP
root:x:0:
dbaas:x:$UID_GID:
nogroup:x:65534:
GROUP
printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$root/etc/nsswitch.conf"
chown "$UID_GID:$UID_GID" "$root/home/dbaas"

import_image "$root" "$IMAGE" "$inputs" "dbaas control plane $version: dbaas-api and dbaas-worker" \
	'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
	'ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt' \
	'ENV HOME=/home/dbaas' \
	"USER $UID_GID:$UID_GID" \
	'WORKDIR /home/dbaas' \
	'EXPOSE 8000' \
	'CMD ["dbaas-api"]' \
	"LABEL org.opencontainers.image.version=$version"
