#!/usr/bin/env bash
# Print the path of a headless-capable Chromium, installing Debian's `chromium` with apt-get
# when it is missing and we run as root. Exit 1 with the reason on stderr when there is none.
# Set RETAIL_NO_CHROMIUM_INSTALL=1 to never install. Used by the browser tests.
set -euo pipefail

find_chromium() {
    local name
    for name in "${CHROMIUM:-}" chromium chromium-browser google-chrome; do
        if [ -n "$name" ] && command -v "$name" >/dev/null 2>&1; then
            command -v "$name"
            return 0
        fi
    done
    return 1
}

if find_chromium; then
    exit 0
fi

if [ "${RETAIL_NO_CHROMIUM_INSTALL:-0}" = 1 ]; then
    echo "no chromium on PATH (and RETAIL_NO_CHROMIUM_INSTALL=1)" >&2
    exit 1
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "no chromium on PATH; install it (Debian/Ubuntu: sudo apt-get install chromium)" >&2
    exit 1
fi

echo "installing Debian's chromium with apt-get..." >&2
export DEBIAN_FRONTEND=noninteractive
# a dpkg lock held by another apt-get waits instead of failing
if ! apt-get install -y -qq -o DPkg::Lock::Timeout=300 chromium >/dev/null 2>&1; then
    apt-get update -qq -o DPkg::Lock::Timeout=300 >/dev/null 2>&1 || true
    if ! apt-get install -y -qq -o DPkg::Lock::Timeout=300 chromium >/dev/null 2>&1; then
        echo "apt-get could not install chromium" >&2
        exit 1
    fi
fi
find_chromium || { echo "chromium installed but not found on PATH" >&2; exit 1; }
