#!/usr/bin/env bash
# deps.sh installs what `make test` needs besides Go, when it is missing:
# redis-server (for the private test Redis), a C toolchain (the race
# detector needs cgo) and Debian's chromium with a font (the real-browser
# test of /admin in admin/browsertest). It installs only with apt-get, only
# as root, and only what is absent; otherwise it says what to install and
# fails.
set -euo pipefail

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
if ! command -v gcc >/dev/null 2>&1 || [ ! -e /usr/include/stdlib.h ]; then
	missing+=(gcc libc6-dev)
fi
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1 &&
	! command -v google-chrome >/dev/null 2>&1 && [ -z "${SYNDICATE_CHROMIUM:-}" ]; then
	missing+=(chromium fonts-liberation)
fi
[ "${#missing[@]}" -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "deps: missing ${missing[*]}; install them (Debian: apt-get install ${missing[*]})" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# A fresh image has no package lists yet: update first. Otherwise try the
# lists we have and update only if that fails (they may be stale).
if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
	apt-get update -q
fi
if ! apt-get install -y -q --no-install-recommends "${missing[@]}"; then
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
