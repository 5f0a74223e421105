# bash completion for linger(1).
# Install as $(PREFIX)/share/bash-completion/completions/linger, or source it.

_linger_sessions()
{
    # Ids and names of every session (column 1 and 2 of `linger ps -a`).
    linger ps -a 2>/dev/null | awk 'NR > 1 { print $1; if ($2 != "-") print $2 }'
}

_linger()
{
    local cur prev words cword
    if declare -F _init_completion >/dev/null 2>&1; then
        _init_completion || return
    else
        COMPREPLY=()
        cur=${COMP_WORDS[COMP_CWORD]}
        prev=${COMP_WORDS[COMP_CWORD-1]}
        words=("${COMP_WORDS[@]}")
        cword=$COMP_CWORD
    fi

    local commands="run ps attach detach stop inspect logs send wait pause unpause save restore restart prune help"

    # Find the command word (the first word after `linger` that is not an option).
    local i cmd="" cmd_at=0
    for ((i = 1; i < cword; i++)); do
        case ${words[i]} in
            -*) ;;
            *) cmd=${words[i]}; cmd_at=$i; break ;;
        esac
    done

    if [[ -z $cmd ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "--help --version -h -V" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$commands" -- "$cur"))
        fi
        return
    fi

    local flags="" takes_session=1
    case $cmd in
        run)
            # After the first free word everything belongs to COMMAND.
            for ((i = cmd_at + 1; i < cword; i++)); do
                case ${words[i]} in
                    --) COMPREPLY=($(compgen -c -- "$cur")); return ;;
                    --name|-n|--profile|-p|--workdir|-C|--env|-e|--scrollback|--idle-ttl|--record|--resume-cmd) ((i++)) ;;
                    -*) ;;
                    *) COMPREPLY=($(compgen -f -- "$cur")); return ;;
                esac
            done
            case $prev in
                --workdir|-C) COMPREPLY=($(compgen -d -- "$cur")); return ;;
                --record) COMPREPLY=($(compgen -f -- "$cur")); return ;;
                --idle-ttl) COMPREPLY=($(compgen -W "off 30m 1h 24h 7d" -- "$cur")); return ;;
                --name|-n|--profile|-p|--env|-e|--scrollback|--resume-cmd) return ;;
            esac
            if [[ $cur == -* ]]; then
                COMPREPLY=($(compgen -W "--detached --quiet --name --profile --workdir --env --scrollback --idle-ttl --record --resume-cmd --help -d -q -C -e" -- "$cur"))
            else
                COMPREPLY=($(compgen -c -- "$cur"))
            fi
            return
            ;;
        ps|ls|list) flags="--all --json --quiet --help -a -q"; takes_session=0 ;;
        attach|a) flags="--read-only --takeover --help -r" ;;
        detach|pause|unpause|resume) flags="--help" ;;
        stop|kill)
            flags="--timeout --force --idle --help -t -f"
            case $prev in --timeout|-t|--idle) return ;; esac
            ;;
        inspect) flags="--json --help" ;;
        logs)
            flags="--tail --follow --screen --ansi --help -n -f"
            case $prev in --tail|-n) return ;; esac
            ;;
        send)
            flags="--keys --enter --help -k"
            # Only the first free word is a session; the rest is text.
            local n=0
            for ((i = cmd_at + 1; i < cword; i++)); do
                [[ ${words[i]} == -* ]] || ((n++))
            done
            if ((n >= 1)); then
                COMPREPLY=($(compgen -W "enter esc tab space backspace ctrl-c ctrl-d ctrl-z up down left right home end pageup pagedown" -- "$cur"))
                return
            fi
            ;;
        wait)
            flags="--timeout --help -t"
            case $prev in --timeout|-t) return ;; esac
            ;;
        save)
            flags="--to --help"
            case $prev in --to) COMPREPLY=($(compgen -f -- "$cur")); return ;; esac
            ;;
        restore)
            flags="--from --detached --quiet --help -d -q"; takes_session=0
            case $prev in --from) COMPREPLY=($(compgen -f -- "$cur")); return ;; esac
            ;;
        restart) flags="--detached --quiet --help -d -q" ;;
        prune)
            flags="--dry-run --older-than --keep --help -n"; takes_session=0
            case $prev in --older-than|--keep) return ;; esac
            ;;
        help) COMPREPLY=($(compgen -W "$commands" -- "$cur")); return ;;
        *) return ;;
    esac

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$flags" -- "$cur"))
    elif ((takes_session)); then
        COMPREPLY=($(compgen -W "$(_linger_sessions)" -- "$cur"))
    fi
}

complete -F _linger linger
