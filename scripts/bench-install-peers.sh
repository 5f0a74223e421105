#!/bin/sh
# Install the peer tools that `make bench` compares linger against:
# tmux, GNU screen and dtach. Only installs what is missing.
set -eu
missing=""
for t in tmux screen dtach; do
    command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
done
[ -z "$missing" ] && exit 0
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "bench-install-peers: missing:$missing and not root (no sudo); the benchmark will report them as n/a" >&2
        exit 0
    fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "bench-install-peers: missing:$missing and no apt-get; install them by hand (the benchmark reports them as n/a)" >&2
    exit 0
fi
echo "bench-install-peers: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || echo "bench-install-peers: apt-get update failed; trying install anyway" >&2
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >&2 || {
    echo "bench-install-peers: apt-get install failed for:$missing (the benchmark reports them as n/a)" >&2
    exit 0
}
