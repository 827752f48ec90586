#!/usr/bin/env bash
# Build the local engine image dbaas/mongo:7 without any container registry.
# No mongod is obtainable here, so the server is SecantusDB's `secantusd-rs`
# (crate secantus-mdb, MongoDB wire protocol over WiredTiger), built with
# `cargo install` into the cache. It is GPL-2.0: it ships as its own program in
# the image, nothing links it. The rootfs is minimal: that binary, the host's
# libc/libm/libz/libgcc_s and loader, bash (for the entrypoint), util-linux's
# setpriv, and busybox from Debian's busybox-static for the small tools. Our
# entrypoint and a `mongod` wrapper keep the official `mongo` image's contract
# (see docker-entrypoint.sh and mongod), then `docker import` makes the image.
#
#   engines/mongodb/build.sh             build unless the image is there, built from the
#                                        same inputs (its dbaas.inputs label: a hash of this
#                                        folder's files, the recipe and the server version)
#   FORCE=1 engines/mongodb/build.sh     re-import (reuses the cached rootfs and binary)
#   REFRESH_ROOTFS=1 ...                 assemble the rootfs again (e.g. after host updates)
#
# The server build (~8 min cold on 2 cores, needs cmake and a C compiler; cmake
# is installed with apt when missing) is cached in $DBAAS_CACHE_DIR/secantus:
# target/ (CARGO_TARGET_DIR) and root/bin/secantusd-rs (cargo install --root).
#
# Env: DBAAS_MONGODB_IMAGE (default dbaas/mongo:7), DBAAS_CACHE_DIR
# (default /var/cache/dbaas).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
IMAGE="${DBAAS_MONGODB_IMAGE:-dbaas/mongo:7}"
SECANTUS_CRATE=secantus-mdb
SECANTUS_VERSION=0.5.3-beta.193
CACHE_DIR="${DBAAS_CACHE_DIR:-/var/cache/dbaas}"
SECANTUS_DIR="$CACHE_DIR/secantus"
SECANTUS_BIN="$SECANTUS_DIR/root/bin/secantusd-rs"
# The official image's mongodb user and group.
MONGO_UID=999
# Bump when the rootfs recipe below changes, so an old cached rootfs is not reused.
RECIPE=1

SCRIPT_NAME=engine-image
# shellcheck source=scripts/lib.sh
. "$here/../../scripts/lib.sh"

image_exists() { docker image inspect "$IMAGE" > /dev/null 2>&1; }
# What the image is made from: when any of it changes, the image is rebuilt (no FORCE=1
# needed on a machine that has an older one).
INPUTS="$(cd "$here" && { sha256sum -- build.sh docker-entrypoint.sh mongod && printf '%s\n' "$RECIPE" "$SECANTUS_VERSION" &&
	declare -f copy_libs copy_copyright import_image; } | sha256sum | cut -c1-16)"
image_current() { [[ "$(image_inputs "$IMAGE")" == "$INPUTS" ]]; }

if [[ "${FORCE:-0}" != 1 && "${REFRESH_ROOTFS:-0}" != 1 ]]; then
	if image_current; then
		log "$IMAGE is up to date (FORCE=1 to rebuild)"
		exit 0
	elif image_exists; then
		log "$IMAGE was built from other inputs: rebuilding it"
	fi
fi

docker info > /dev/null 2>&1 || die "cannot reach the docker daemon; start it with scripts/services.sh start docker"

# Keeping file ownership in the tree (the data dirs belong to uid 999), apt and
# the shared cache all need root. PATH goes along so root finds this user's cargo.
if [[ "$(id -u)" != 0 ]]; then
	log "re-running as root through sudo"
	exec sudo --preserve-env=DBAAS_MONGODB_IMAGE,DBAAS_CACHE_DIR,FORCE,REFRESH_ROOTFS,CARGO_HOME,RUSTUP_HOME \
		env PATH="$PATH" bash "${BASH_SOURCE[0]}" "$@"
fi

arch="$(dpkg --print-architecture)"
rootfs_tar="$CACHE_DIR/rootfs-mongodb-secantus-$SECANTUS_VERSION-$arch-r$RECIPE.tar"
mkdir -p "$CACHE_DIR" "$SECANTUS_DIR"

# One image build at a time (up and test may race on a fresh machine).
exec 9> "$CACHE_DIR/.build-mongodb.lock"
flock 9
if [[ "${FORCE:-0}" != 1 && "${REFRESH_ROOTFS:-0}" != 1 ]] && image_current; then
	log "$IMAGE was built while we waited for the lock"
	exit 0
fi

work=""
cleanup() {
	if [[ -n "$work" && -d "$work" ]]; then rm -rf --one-file-system "$work"; fi
}
trap cleanup EXIT

secantus_ok() { [[ -x "$SECANTUS_BIN" ]] && "$SECANTUS_BIN" --version 2> /dev/null | grep -qF "$SECANTUS_VERSION"; }

apt_install() {
	log "apt-get install $*"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" > "$SECANTUS_DIR/apt.log" 2>&1 || {
		apt-get update -q >> "$SECANTUS_DIR/apt.log" 2>&1 &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >> "$SECANTUS_DIR/apt.log" 2>&1
	} || {
		tail -n 30 "$SECANTUS_DIR/apt.log" >&2
		die "apt-get install $* failed"
	}
}

# The server binary: cargo install into the cache, unless that version is there.
# Its own lock, so a build started by hand with the same paths is waited for.
ensure_secantus() {
	local started=$SECONDS missing=()
	if secantus_ok; then
		return 0
	fi
	exec 8> "$SECANTUS_DIR/.install.lock"
	if ! flock -n 8; then
		log "another build of $SECANTUS_CRATE holds $SECANTUS_DIR/.install.lock; waiting for it"
		flock 8
	fi
	if ! secantus_ok; then
		command -v cargo > /dev/null || die "cargo is missing (install a Rust toolchain)"
		command -v cmake > /dev/null || missing+=(cmake)
		command -v make > /dev/null || missing+=(make)
		command -v cc > /dev/null || missing+=(gcc)
		command -v c++ > /dev/null || missing+=(g++)
		if ((${#missing[@]})); then apt_install "${missing[@]}"; fi
		log "cargo install $SECANTUS_CRATE $SECANTUS_VERSION (about 8 min cold on 2 cores; log $SECANTUS_DIR/install.log)"
		CARGO_TARGET_DIR="$SECANTUS_DIR/target" cargo install --force --locked --ignore-rust-version \
			--root "$SECANTUS_DIR/root" "$SECANTUS_CRATE" --version "$SECANTUS_VERSION" \
			> "$SECANTUS_DIR/install.log" 2>&1 || {
			tail -n 40 "$SECANTUS_DIR/install.log" >&2
			die "cargo install $SECANTUS_CRATE failed (full log: $SECANTUS_DIR/install.log)"
		}
		secantus_ok || die "$SECANTUS_BIN does not report version $SECANTUS_VERSION"
		log "built $SECANTUS_BIN ($((SECONDS - started)) s)"
	fi
	flock -u 8
	exec 8>&-
}

# usage: copy_host_program ROOT FILE  -- a host program at its own path, and its libraries.
copy_host_program() {
	local root="$1" file
	file="$(readlink -f "$2")"
	mkdir -p "$root$(dirname "$file")"
	cp -L "$file" "$root$file"
	copy_copyright "$root" "$file"
	copy_libs "$root" "$file"
}

build_rootfs() {
	local root started deb applet
	started=$SECONDS
	work="$(mktemp -d "$CACHE_DIR/build-mongodb.XXXXXX")"
	root="$work/root"
	log "assembling the rootfs (secantusd-rs $SECANTUS_VERSION, host libs, bash, setpriv, busybox)"
	mkdir -p "$root"/usr/{bin,sbin,lib,lib64,local/bin,share/doc} "$root"/{etc,run,tmp,data/db,data/configdb,docker-entrypoint-initdb.d}
	# Debian's merged-/usr layout, so the paths ldd prints (/lib/..., /lib64/...) land in usr/.
	ln -s usr/bin "$root/bin"
	ln -s usr/sbin "$root/sbin"
	ln -s usr/lib "$root/lib"
	ln -s usr/lib64 "$root/lib64"
	chmod 1777 "$root/tmp"

	install -m 0755 "$SECANTUS_BIN" "$root/usr/local/bin/secantusd-rs"
	copy_libs "$root" "$SECANTUS_BIN"
	copy_host_program "$root" /bin/bash
	copy_host_program "$root" "$(command -v setpriv)"

	# busybox-static from Debian's mirror (the host's apt sources), cached as a .deb.
	mkdir -p "$CACHE_DIR/debs"
	deb="$(find "$CACHE_DIR/debs" -maxdepth 1 -name 'busybox-static_*.deb' | sort | tail -n 1)"
	if [[ -z "$deb" ]]; then
		log "apt-get download busybox-static"
		(cd "$CACHE_DIR/debs" && { apt-get download -q busybox-static > /dev/null 2>&1 ||
			{ apt-get update -q > /dev/null 2>&1 && apt-get download -q busybox-static > /dev/null; }; }) ||
			die "apt-get download busybox-static failed"
		deb="$(find "$CACHE_DIR/debs" -maxdepth 1 -name 'busybox-static_*.deb' | sort | tail -n 1)"
	fi
	mkdir -p "$work/busybox"
	dpkg-deb -x "$deb" "$work/busybox"
	install -m 0755 "$work/busybox/bin/busybox" "$root/usr/bin/busybox"
	mkdir -p "$root/usr/share/doc/busybox-static"
	cp "$work/busybox/usr/share/doc/busybox-static/copyright" "$root/usr/share/doc/busybox-static/"
	for applet in $("$root/usr/bin/busybox" --list); do
		[[ -e "$root/usr/bin/$applet" || "$applet" == busybox ]] || ln -s busybox "$root/usr/bin/$applet"
	done

	# The official image's user, group and directories.
	cat > "$root/etc/passwd" <<-EOF
		root:x:0:0:root:/root:/bin/bash
		mongodb:x:$MONGO_UID:$MONGO_UID::/data/db:/bin/false
		nobody:x:65534:65534:nobody:/nonexistent:/bin/false
	EOF
	cat > "$root/etc/group" <<-EOF
		root:x:0:
		mongodb:x:$MONGO_UID:
		nogroup:x:65534:
	EOF
	printf 'passwd: files\ngroup: files\nhosts: files dns\n' > "$root/etc/nsswitch.conf"
	mkdir -p "$root/root"
	chmod 700 "$root/root"
	chown "$MONGO_UID:$MONGO_UID" "$root/data/db" "$root/data/configdb"

	mkdir -p "$root/usr/share/doc/secantus-mdb"
	cat > "$root/usr/share/doc/secantus-mdb/NOTICE" <<-EOF
		/usr/local/bin/secantusd-rs is SecantusDB's server, the binary of the crate
		$SECANTUS_CRATE $SECANTUS_VERSION (https://crates.io/crates/$SECANTUS_CRATE,
		https://github.com/jdrumgoole/SecantusDB), built unmodified with
		  cargo install --locked $SECANTUS_CRATE --version $SECANTUS_VERSION
		Licence: GPL-2.0-only (it links WiredTiger, GPL v2 or v3, statically).
		Its complete source is the crates secantus-* $SECANTUS_VERSION on crates.io.
		It runs as a separate program; the dbaas entrypoint and mongod wrapper only start it.
	EOF

	tar -C "$root" --numeric-owner -cf "$rootfs_tar.tmp" .
	mv "$rootfs_tar.tmp" "$rootfs_tar"
	log "rootfs cached at $rootfs_tar ($(du -h "$rootfs_tar" | cut -f1), $((SECONDS - started)) s)"
	rm -rf --one-file-system "$work"
	work=""
}

ensure_secantus
if [[ ! -s "$rootfs_tar" || "${REFRESH_ROOTFS:-0}" == 1 ]]; then
	build_rootfs
else
	log "using cached rootfs $rootfs_tar"
fi

# Unpack the cached rootfs, add the entrypoint and the mongod wrapper, import.
work="$(mktemp -d "$CACHE_DIR/import-mongodb.XXXXXX")"
tar -C "$work" --numeric-owner -xf "$rootfs_tar"
install -m 0755 "$here/docker-entrypoint.sh" "$work/usr/local/bin/docker-entrypoint.sh"
install -m 0755 "$here/mongod" "$work/usr/local/bin/mongod"
import_image "$work" "$IMAGE" "$INPUTS" "dbaas MongoDB-compatible engine: secantusd-rs $SECANTUS_VERSION, recipe $RECIPE" \
	'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
	"ENV SECANTUS_VERSION=$SECANTUS_VERSION" \
	'VOLUME /data/db /data/configdb' \
	'EXPOSE 27017' \
	'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
	'CMD ["mongod"]'
