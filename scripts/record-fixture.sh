#!/bin/sh
# Record a screen fixture from a real program.
#
#   scripts/record-fixture.sh NAME 'COMMAND' [KEYS...]
#
# Runs COMMAND in a private tmux server (-L, -f /dev/null, 80x24, no status
# line), saves everything the program writes (tmux pipe-pane) to
# tests/screen/NAME.in and tmux's own view of the final screen
# (capture-pane -p) to tests/screen/NAME.tmux. Each KEYS argument is given to
# `tmux send-keys` in turn, one second apart. tests/screen.rs then checks
# that the model's rows equal the tmux capture; bless NAME.txt with
# LINGER_BLESS=1 after reading it.
set -eu
[ $# -ge 2 ] || { echo "usage: $0 NAME 'COMMAND' [KEYS...]" >&2; exit 2; }
name=$1 cmd=$2
shift 2
dir=$(cd "$(dirname "$0")/.." && pwd)/tests/screen
sock=linger-rec-$$
t() { tmux -L "$sock" "$@"; }
trap 't kill-server 2>/dev/null || true' EXIT
# The shell waits for a newline so that pipe-pane is in place before the
# program writes anything; the echoed newline is part of the recording.
t -f /dev/null new-session -d -x 80 -y 24 "read _; $cmd; exec sleep 1000"
t set-option -g status off
t resize-window -x 80 -y 24 2>/dev/null || true
size=$(t display-message -p '#{pane_width}x#{pane_height}')
[ "$size" = 80x24 ] || { echo "pane is $size, not 80x24" >&2; exit 1; }
: > "$dir/$name.in"
t pipe-pane -o "cat >> '$dir/$name.in'"
t send-keys Enter
sleep 2
for k in "$@"; do
    t send-keys "$k"
    sleep 1
done
sleep 1
t capture-pane -p > "$dir/$name.tmux"
t pipe-pane
echo "recorded $dir/$name.in ($(wc -c < "$dir/$name.in") bytes) and $name.tmux"
