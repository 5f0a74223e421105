# fish completion for linger(1).
# Install as $(PREFIX)/share/fish/vendor_completions.d/linger.fish, or source it.

function __linger_sessions --description 'ids and names of linger sessions'
    linger ps -a 2>/dev/null | awk 'NR > 1 { print $1; if ($2 != "-") print $2 }'
end

set -l __linger_commands run ps attach detach stop inspect logs send wait pause unpause save restore restart prune help
set -l __linger_session_commands attach a detach stop kill inspect logs send wait pause unpause resume save restart

complete -c linger -f
complete -c linger -n __fish_use_subcommand -s h -l help -d 'Show help'
complete -c linger -n __fish_use_subcommand -s V -l version -d 'Show the version'
complete -c linger -n __fish_use_subcommand -a run -d 'Start a command in a new session'
complete -c linger -n __fish_use_subcommand -a attach -d 'Attach this terminal to a session'
complete -c linger -n __fish_use_subcommand -a detach -d "Disconnect a session's clients"
complete -c linger -n __fish_use_subcommand -a ps -d 'List sessions'
complete -c linger -n __fish_use_subcommand -a inspect -d "Show every field of a session's record"
complete -c linger -n __fish_use_subcommand -a logs -d "Print a session's scrollback and screen"
complete -c linger -n __fish_use_subcommand -a send -d 'Type input into a session'
complete -c linger -n __fish_use_subcommand -a wait -d 'Wait for sessions to exit'
complete -c linger -n __fish_use_subcommand -a stop -d 'End sessions'
complete -c linger -n __fish_use_subcommand -a pause -d "Stop a session's processes (SIGSTOP)"
complete -c linger -n __fish_use_subcommand -a unpause -d 'Continue a paused session (SIGCONT)'
complete -c linger -n __fish_use_subcommand -a save -d 'Write a JSON snapshot of a session'
complete -c linger -n __fish_use_subcommand -a restore -d 'Start a session from a snapshot'
complete -c linger -n __fish_use_subcommand -a restart -d 'Start an exited session again'
complete -c linger -n __fish_use_subcommand -a prune -d 'Remove records of exited sessions'
complete -c linger -n __fish_use_subcommand -a help -d 'Show help for a command'

complete -c linger -n "__fish_seen_subcommand_from help" -a "$__linger_commands"
complete -c linger -n "not __fish_use_subcommand" -s h -l help -d 'Show help'

# Sessions.
complete -c linger -n "__fish_seen_subcommand_from $__linger_session_commands" -a '(__linger_sessions)' -d session

# run
complete -c linger -n '__fish_seen_subcommand_from run' -s d -l detached -d 'Start detached'
complete -c linger -n '__fish_seen_subcommand_from run' -s q -l quiet -d 'With -d, print only the id'
complete -c linger -n '__fish_seen_subcommand_from run' -s n -l name -x -d 'Session name'
complete -c linger -n '__fish_seen_subcommand_from run' -s p -l profile -x -d 'Apply a config profile'
complete -c linger -n '__fish_seen_subcommand_from run' -s C -l workdir -x -a '(__fish_complete_directories)' -d 'Working directory'
complete -c linger -n '__fish_seen_subcommand_from run' -s e -l env -x -d 'Set KEY=VAL'
complete -c linger -n '__fish_seen_subcommand_from run' -l scrollback -x -d 'Lines of history'
complete -c linger -n '__fish_seen_subcommand_from run' -l idle-ttl -x -a 'off 30m 1h 24h 7d' -d 'Stop when detached and idle'
complete -c linger -n '__fish_seen_subcommand_from run' -l record -r -F -d 'Write an asciicast v2 file'
complete -c linger -n '__fish_seen_subcommand_from run' -l resume-cmd -x -d 'Command line for restart'
complete -c linger -n '__fish_seen_subcommand_from run' -a '(__fish_complete_command)'

# ps
complete -c linger -n '__fish_seen_subcommand_from ps ls list' -s a -l all -d 'Include exited sessions'
complete -c linger -n '__fish_seen_subcommand_from ps ls list' -l json -d 'Print one JSON array'
complete -c linger -n '__fish_seen_subcommand_from ps ls list' -s q -l quiet -d 'Print ids only'

# attach
complete -c linger -n '__fish_seen_subcommand_from attach a' -s r -l read-only -d 'Watch without typing'
complete -c linger -n '__fish_seen_subcommand_from attach a' -l takeover -d 'Detach the current client'

# stop
complete -c linger -n '__fish_seen_subcommand_from stop kill' -s t -l timeout -x -d 'Grace period (seconds)'
complete -c linger -n '__fish_seen_subcommand_from stop kill' -s f -l force -d 'Kill at once'
complete -c linger -n '__fish_seen_subcommand_from stop kill' -l idle -x -d 'Stop detached sessions idle this long'

# inspect
complete -c linger -n '__fish_seen_subcommand_from inspect' -l json -d 'Print JSON'

# logs
complete -c linger -n '__fish_seen_subcommand_from logs' -s n -l tail -x -d 'Only the last N lines'
complete -c linger -n '__fish_seen_subcommand_from logs' -s f -l follow -d 'Stream until exit'
complete -c linger -n '__fish_seen_subcommand_from logs' -l screen -d 'Only the visible screen'
complete -c linger -n '__fish_seen_subcommand_from logs' -l ansi -d 'Keep colours as SGR'

# send
complete -c linger -n '__fish_seen_subcommand_from send' -s k -l keys -d 'Arguments are key tokens'
complete -c linger -n '__fish_seen_subcommand_from send' -l enter -d 'Append Enter'

# wait
complete -c linger -n '__fish_seen_subcommand_from wait' -s t -l timeout -x -d 'Give up after SECS (exit 124)'

# save
complete -c linger -n '__fish_seen_subcommand_from save' -l to -r -F -d 'Snapshot file (- is stdout)'

# restore, restart
complete -c linger -n '__fish_seen_subcommand_from restore' -l from -r -F -d 'Snapshot file'
complete -c linger -n '__fish_seen_subcommand_from restore restart' -s d -l detached -d 'Start detached'
complete -c linger -n '__fish_seen_subcommand_from restore restart' -s q -l quiet -d 'With -d, print only the id'

# prune
complete -c linger -n '__fish_seen_subcommand_from prune' -s n -l dry-run -d 'Show what would be removed'
complete -c linger -n '__fish_seen_subcommand_from prune' -l older-than -x -d 'Only sessions that ended longer ago'
complete -c linger -n '__fish_seen_subcommand_from prune' -l keep -x -d 'Keep the N most recently ended'
