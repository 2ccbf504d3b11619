
# ---- runtimes: the command line that runs one job ------------------------------------------
# Every runtime gives the job the same view: each input at its mount path read-only, the
# job's outputs directory at /outputs, the action's files (script@v1's script) read-only.

# Names bash cannot export (read-only or special): given to bwrap with --setenv instead.
GW_SPECIAL_NAMES=" BASHOPTS BASHPID BASH_ARGV0 BASH_COMMAND BASH_SUBSHELL BASH_VERSINFO DIRSTACK EPOCHREALTIME EPOCHSECONDS EUID FUNCNAME GROUPS HISTCMD LINENO PPID RANDOM SECONDS SHELLOPTS SRANDOM UID "

# gw_exportable NAME: whether bash can export NAME unchanged.
gw_exportable() {
  [[ $1 =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] && [[ $GW_SPECIAL_NAMES != *" $1 "* ]]
}

# gw_env_values: the current job's environment, resolved, in GW_ENV_NAMES / GW_ENV_VALUES /
# GW_ENV_SECRET (1 for a secret); 1 with the reason in REPLY.
gw_env_values() {
  GW_ENV_NAMES=() GW_ENV_VALUES=() GW_ENV_SECRET=()
  local i
  for (( i = 0; i < ${#S_ENV[@]}; i += 3 )); do
    gw_value "${S_ENV[i+1]}" "${S_ENV[i+2]}" || return 1
    GW_ENV_NAMES+=("${S_ENV[i]}")
    GW_ENV_VALUES+=("$REPLY")
    if [ "${S_ENV[i+1]}" = secret ]; then GW_ENV_SECRET+=(1); else GW_ENV_SECRET+=(0); fi
  done
}

# gw_local_sources: host paths that a git-clone step reads (a file:// URL or a path), made
# visible to the job read-only, in GW_LOCAL_SOURCES.
gw_local_sources() {
  GW_LOCAL_SOURCES=()
  [ "$S_OP" = git-clone ] || return 0
  local i url
  for (( i = 0; i < ${#S_OP_PARAMS[@]}; i += 3 )); do
    [ "${S_OP_PARAMS[i]}" = url ] || continue
    gw_value "${S_OP_PARAMS[i+1]}" "${S_OP_PARAMS[i+2]}" || return 0
    url=$REPLY
    case $url in
      file://*) url=${url#file://} ;;
      /*) ;;
      *) return 0 ;;
    esac
    [ -e "$url" ] && GW_LOCAL_SOURCES+=("$url")
  done
}

# gw_command: the job's command (entrypoint and args) in GW_CMD; 1 when it has none.
gw_command() {
  GW_CMD=()
  if [ "$S_HAS_COMMAND" = 1 ] && [ "${#S_COMMAND[@]}" -gt 0 ]; then GW_CMD+=("${S_COMMAND[@]}"); fi
  if [ "$S_HAS_ARGS" = 1 ]; then GW_CMD+=("${S_ARGS[@]}"); fi
  [ "${#GW_CMD[@]}" -gt 0 ]
}

# gw_argv DIR JOB: the command line of the current job in GW_ARGV and the variables to
# export for it in GW_EXPORTS (secrets travel there, never on a command line); 1 with the
# reason in REPLY. Input sources come from GW_SRC (input name -> host path).
gw_argv() {
  GW_ARGV=() GW_EXPORTS=()
  gw_env_values || return 1
  gw_local_sources
  case $GW_RUNTIME in
    host) gw_argv_host "$1" || return 1 ;;
    *) gw_argv_container "$1" "$2" || return 1 ;;
  esac
  if [ "$GW_TIMEOUT" -gt 0 ]; then
    GW_ARGV=("$GW_TIMEOUT_BIN" --foreground --kill-after=10 "$GW_TIMEOUT" "${GW_ARGV[@]}")
  fi
}

# host: bubblewrap over this machine's root (read-only), no image; /tmp is private.
gw_argv_host() {
  local dir=$1 e top i path
  local -A reserved=([proc]=1 [dev]=1 [tmp]=1 [sys]=1 [inputs]=1 [outputs]=1)
  if ! gw_command; then
    REPLY="it has no command or args: it runs its image's own entrypoint, which the host runtime cannot do (use --runtime docker or podman)"
    return 1
  fi
  for (( i = 0; i < ${#S_MOUNTS[@]}; i += 3 )); do
    top=${S_MOUNTS[i]#/}; reserved[${top%%/*}]=1
  done
  for (( i = 0; i < ${#S_FILES[@]}; i += 2 )); do
    top=${S_FILES[i]#/}; reserved[${top%%/*}]=1
  done
  GW_ARGV=("$GW_RUNTIME_BIN")
  for e in /*; do
    top=${e#/}
    [ -n "${reserved[$top]+x}" ] && continue
    if [ -L "$e" ]; then
      GW_ARGV+=(--symlink "$(readlink -- "$e")" "$e")
    elif [ -d "$e" ]; then
      GW_ARGV+=(--ro-bind "$e" "$e")
    fi
  done
  GW_ARGV+=(--dev /dev --proc /proc --tmpfs /tmp)
  for path in "${GW_LOCAL_SOURCES[@]}"; do GW_ARGV+=(--ro-bind "$path" "$path"); done
  local inputs=0
  for (( i = 0; i < ${#S_MOUNTS[@]}; i += 3 )); do
    [ "${S_MOUNTS[i+1]}" = input ] || continue
    [ "$inputs" = 0 ] && GW_ARGV+=(--tmpfs /inputs)
    inputs=1
    GW_ARGV+=(--ro-bind "${GW_SRC[${S_MOUNTS[i+2]}]}" "${S_MOUNTS[i]}")
  done
  [ "$inputs" = 1 ] && GW_ARGV+=(--remount-ro /inputs)
  [ "${#S_OUTPUTS[@]}" -gt 0 ] && GW_ARGV+=(--bind "$dir/outputs" /outputs)
  for (( i = 0; i < ${#S_FILES[@]}; i += 2 )); do
    GW_ARGV+=(--ro-bind "$dir/files${S_FILES[i]}" "${S_FILES[i]}")
  done
  # New namespaces (the network shared, as a container's); no capabilities (root here could
  # otherwise remount the read-only views writable); a new session (no controlling terminal
  # to push input into); the sandbox dies with the job's runner.
  GW_ARGV+=(--unshare-all --share-net --cap-drop ALL --new-session --die-with-parent --chdir /)
  GW_EXPORTS=("PATH=${PATH:-/usr/local/bin:/usr/bin:/bin}" "HOME=${HOME:-/}")
  for (( i = 0; i < ${#GW_ENV_NAMES[@]}; i++ )); do
    if gw_exportable "${GW_ENV_NAMES[i]}"; then
      GW_EXPORTS+=("${GW_ENV_NAMES[i]}=${GW_ENV_VALUES[i]}")
    elif [ "${GW_ENV_SECRET[i]}" = 1 ]; then
      REPLY="the secret variable \"${GW_ENV_NAMES[i]}\" is not a name the host runtime can pass safely"
      return 1
    else
      GW_ARGV+=(--setenv "${GW_ENV_NAMES[i]}" "${GW_ENV_VALUES[i]}")
    fi
  done
  GW_ARGV+=(-- "${GW_CMD[@]}")
}

# gw_volume SRC DEST [ro]: a -v option in GW_ARGV; 1 with the reason in REPLY when a path
# holds ':' or ',', which -v would read as its own separators.
gw_volume() {
  local p
  for p in "$1" "$2"; do
    if [[ $p == *[:,]* ]]; then
      REPLY="the path $p holds ':' or ',', which $GW_RUNTIME's -v cannot take (use --runtime host, or move it)"
      return 1
    fi
  done
  GW_ARGV+=(-v "$1:$2${3:+:$3}")
}

# docker and podman: the same mounts as -v options; literal values as -e NAME=VALUE,
# secrets as -e NAME with the value in the client's environment.
gw_argv_container() {
  local dir=$1 job=$2 i path
  GW_ARGV=("$GW_RUNTIME_BIN" run --rm --name "gwfc-$WF_DIR-$GW_RUN_ID-$job")
  for path in "${GW_LOCAL_SOURCES[@]}"; do gw_volume "$path" "$path" ro || return 1; done
  for (( i = 0; i < ${#S_MOUNTS[@]}; i += 3 )); do
    [ "${S_MOUNTS[i+1]}" = input ] || continue
    gw_volume "${GW_SRC[${S_MOUNTS[i+2]}]}" "${S_MOUNTS[i]}" ro || return 1
  done
  if [ "${#S_OUTPUTS[@]}" -gt 0 ]; then gw_volume "$dir/outputs" /outputs || return 1; fi
  for (( i = 0; i < ${#S_FILES[@]}; i += 2 )); do
    gw_volume "$dir/files${S_FILES[i]}" "${S_FILES[i]}" ro || return 1
  done
  for (( i = 0; i < ${#GW_ENV_NAMES[@]}; i++ )); do
    if [ "${GW_ENV_SECRET[i]}" = 1 ]; then
      if ! gw_exportable "${GW_ENV_NAMES[i]}"; then
        REPLY="the secret variable \"${GW_ENV_NAMES[i]}\" is not a name that can be passed safely"
        return 1
      fi
      GW_ARGV+=(-e "${GW_ENV_NAMES[i]}")
      GW_EXPORTS+=("${GW_ENV_NAMES[i]}=${GW_ENV_VALUES[i]}")
    else
      GW_ARGV+=(-e "${GW_ENV_NAMES[i]}=${GW_ENV_VALUES[i]}")
    fi
  done
  if [ "$S_HAS_COMMAND" = 1 ] && [ "${#S_COMMAND[@]}" -gt 0 ]; then
    GW_ARGV+=(--entrypoint "${S_COMMAND[0]}" "$S_IMAGE" "${S_COMMAND[@]:1}")
  else
    GW_ARGV+=("$S_IMAGE")
  fi
  [ "$S_HAS_ARGS" = 1 ] && GW_ARGV+=("${S_ARGS[@]}")
  return 0
}
