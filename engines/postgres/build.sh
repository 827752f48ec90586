#!/usr/bin/env bash
# Build the local engine image dbaas/postgres:15 without any container registry:
# debootstrap a minimal Debian bookworm with postgresql-15 from Debian's mirror,
# add our entrypoint (same contract as the official `postgres` image) and
# `docker import` the tree.
#
#   engines/postgres/build.sh             build unless the image is there, built from the
#                                         same inputs (its dbaas.inputs label: a hash of this
#                                         folder's files and the recipe)
#   FORCE=1 engines/postgres/build.sh     re-import (reuses the cached rootfs)
#   REFRESH_ROOTFS=1 ...                  debootstrap again (e.g. for new security updates)
#
# Env: DBAAS_POSTGRES_IMAGE (default dbaas/postgres:15), DBAAS_CACHE_DIR
# (default /var/cache/dbaas), DEBIAN_MIRROR, DEBIAN_SECURITY_MIRROR.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
IMAGE="${DBAAS_POSTGRES_IMAGE:-dbaas/postgres:15}"
SUITE=bookworm
PG_MAJOR=15
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SECURITY_MIRROR="${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
CACHE_DIR="${DBAAS_CACHE_DIR:-/var/cache/dbaas}"
# Bump when the rootfs recipe below changes, so an old cached rootfs is not reused.
RECIPE=2

SCRIPT_NAME=engine-image
# shellcheck source=scripts/lib.sh
. "$here/../../scripts/lib.sh"

# What the image is made from: when any of it changes, the image is rebuilt (no FORCE=1
# needed on a machine that has an older one).
INPUTS="$(cd "$here" && { sha256sum -- build.sh docker-entrypoint.sh && printf '%s\n' "$RECIPE" "$PG_MAJOR" &&
	declare -f import_image; } | sha256sum | cut -c1-16)"
image_current() { [[ "$(image_inputs "$IMAGE")" == "$INPUTS" ]]; }

if [[ "${FORCE:-0}" != 1 && "${REFRESH_ROOTFS:-0}" != 1 ]]; then
	if image_current; then
		log "$IMAGE is up to date (FORCE=1 to rebuild)"
		exit 0
	elif docker image inspect "$IMAGE" > /dev/null 2>&1; then
		log "$IMAGE was built from other inputs: rebuilding it"
	fi
fi

if ! docker info > /dev/null 2>&1; then
	log "cannot reach the docker daemon; start it with scripts/services.sh start docker"
	exit 1
fi

# debootstrap, chroot and keeping file ownership in the tree all need root.
if [[ "$(id -u)" != 0 ]]; then
	log "re-running as root through sudo"
	exec sudo --preserve-env=DBAAS_POSTGRES_IMAGE,DBAAS_CACHE_DIR,DEBIAN_MIRROR,DEBIAN_SECURITY_MIRROR,FORCE,REFRESH_ROOTFS \
		bash "${BASH_SOURCE[0]}" "$@"
fi

arch="$(dpkg --print-architecture)"
rootfs_tar="$CACHE_DIR/rootfs-$SUITE-postgresql-$PG_MAJOR-$arch-r$RECIPE.tar"
mkdir -p "$CACHE_DIR"

# One build at a time per cache dir (up and test may race on a fresh machine).
exec 9> "$CACHE_DIR/.build.lock"
flock 9

work=""
cleanup() {
	if [[ -n "$work" && -d "$work" ]]; then
		# Never rm -rf through a mounted /proc of the chroot.
		if mountpoint -q "$work/root/proc" 2> /dev/null; then umount -l "$work/root/proc" || :; fi
		rm -rf --one-file-system "$work"
	fi
}
trap cleanup EXIT

build_rootfs() {
	local root started
	started=$SECONDS
	work="$(mktemp -d "$CACHE_DIR/build.XXXXXX")"
	root="$work/root"
	log "debootstrap $SUITE (minbase + postgresql-$PG_MAJOR) from $MIRROR; takes a few minutes"
	debootstrap --variant=minbase --include="postgresql-$PG_MAJOR" "$SUITE" "$root" "$MIRROR" \
		> "$work/debootstrap.log" 2>&1 || {
		tail -n 40 "$work/debootstrap.log" >&2
		log "debootstrap failed"
		exit 1
	}

	# Security and point-release updates, so the engine does not ship known holes.
	cat > "$root/etc/apt/sources.list" <<-EOF
		deb $MIRROR $SUITE main
		deb $MIRROR $SUITE-updates main
		deb $SECURITY_MIRROR $SUITE-security main
	EOF
	# Keep maintainer scripts from trying to start services inside the chroot.
	printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
	chmod 755 "$root/usr/sbin/policy-rc.d"
	mount -t proc proc "$root/proc"
	log "applying $SUITE-updates and $SUITE-security"
	{
		chroot "$root" apt-get -q update &&
			DEBIAN_FRONTEND=noninteractive chroot "$root" apt-get -q -y \
				-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold dist-upgrade
	} > "$work/upgrade.log" 2>&1 || {
		tail -n 40 "$work/upgrade.log" >&2
		log "apt upgrade in the rootfs failed"
		exit 1
	}
	umount "$root/proc"
	rm -f "$root/usr/sbin/policy-rc.d"

	# No cluster baked into the image: the entrypoint runs initdb into $PGDATA.
	rm -rf "$root/etc/postgresql/$PG_MAJOR" "$root/var/lib/postgresql/$PG_MAJOR"
	# Same layout as the official image.
	chroot "$root" install -d -o postgres -g postgres -m 3777 /var/run/postgresql
	chroot "$root" install -d -o postgres -g postgres -m 700 /var/lib/postgresql/data
	mkdir -p "$root/docker-entrypoint-initdb.d"

	# Size: no .deb cache, no package lists, no docs (copyright files stay), no logs,
	# no message translations (55 MB; the image has no locales but C.UTF-8 anyway).
	chroot "$root" apt-get clean
	rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin \
		"$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/var/log/*.log \
		"$root"/var/cache/debconf/*-old "$root"/var/lib/dpkg/*-old
	find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
	find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
	find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf '{}' +
	# Machine identity must not be shared by every container.
	: > "$root/etc/machine-id"
	printf 'dbaas-postgres\n' > "$root/etc/hostname"

	tar -C "$root" --numeric-owner -cf "$rootfs_tar.tmp" .
	mv "$rootfs_tar.tmp" "$rootfs_tar"
	log "rootfs cached at $rootfs_tar ($(du -h "$rootfs_tar" | cut -f1), $((SECONDS - started)) s)"
	rm -rf --one-file-system "$work"
	work=""
}

if [[ ! -s "$rootfs_tar" || "${REFRESH_ROOTFS:-0}" == 1 ]]; then
	command -v debootstrap > /dev/null || {
		log "debootstrap is missing; run scripts/deps.sh"
		exit 1
	}
	build_rootfs
else
	log "using cached rootfs $rootfs_tar"
fi

# Unpack the cached rootfs, add the entrypoint, import. Unpacking is a second or two.
work="$(mktemp -d "$CACHE_DIR/import.XXXXXX")"
tar -C "$work" --numeric-owner -xf "$rootfs_tar"
install -m 0755 "$here/docker-entrypoint.sh" "$work/usr/local/bin/docker-entrypoint.sh"
# Like the official image, stop with SIGINT (fast shutdown): postgres treats SIGTERM as a
# "smart" shutdown that waits for every client.
import_image "$work" "$IMAGE" "$INPUTS" "dbaas PostgreSQL $PG_MAJOR engine: debootstrap $SUITE minbase + postgresql-$PG_MAJOR" \
	"ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/usr/lib/postgresql/$PG_MAJOR/bin" \
	"ENV PG_MAJOR=$PG_MAJOR" \
	'ENV PGDATA=/var/lib/postgresql/data' \
	'ENV LANG=C.UTF-8' \
	'VOLUME /var/lib/postgresql/data' \
	'EXPOSE 5432' \
	'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
	'CMD ["postgres"]' \
	'STOPSIGNAL SIGINT'
