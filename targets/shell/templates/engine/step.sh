
# ---- one job ----------------------------------------------------------------------------------
# A job's directory, <run>/steps/<job>/: inputs/ (string inputs as files; a link to each
# directory input), outputs/ (bound at /outputs), files/ (the action's files), log (its
# output, secrets masked), status, time, and after a success: results (one line per output:
# NAME KIND HASH [DATASET VERSION]) and hash (what --resume compares).

# gw_status DIR STATE [DETAIL]: one line, `STATE` or `STATE DETAIL`.
gw_status() {
  gw_write "$1/status" "$2${3:+ $3}"$'\n'
}

# gw_status_word DIR: the first word of DIR/status in REPLY (pending when there is none).
gw_status_word() {
  REPLY=pending
  [ -f "$1/status" ] || return 0
  local first _
  read -r first _ < "$1/status" || true
  REPLY=${first:-pending}
}

# gw_result JOB OUTPUT: where that output of an earlier job of this run is, in REPLY.
gw_result() {
  local f=$GW_RUN/steps/$1/results name kind hash ds ver
  local -a lines=()
  [ -f "$f" ] && mapfile -t lines < "$f"
  local line
  for line in "${lines[@]}"; do
    read -r name kind hash ds ver <<< "$line"
    [ "$name" = "$2" ] || continue
    if [ "$kind" = dataset ]; then
      REPLY=$GW_STATE_ABS/datasets/$ds/$ver
    else
      REPLY=$GW_RUN/steps/$1/outputs/$name
    fi
    return 0
  done
  REPLY="job \"$1\" has no result \"$2\" in run $GW_RUN_ID"
  return 1
}

# gw_origins DIR: where each input of the current job comes from, in GW_ORIGIN (input name ->
# host path; empty for an inline string); 1 with the reason in REPLY.
gw_origins() {
  declare -gA GW_ORIGIN=() GW_SRC=()
  local i name kind src a b
  for (( i = 0; i < ${#S_INPUTS[@]}; i += 5 )); do
    name=${S_INPUTS[i]} kind=${S_INPUTS[i+1]} src=${S_INPUTS[i+2]} a=${S_INPUTS[i+3]} b=${S_INPUTS[i+4]}
    case $src in
      step)
        if ! gw_result "$a" "$b"; then
          [ "$GW_DRY" = 1 ] || return 1
          REPLY=$GW_RUN/steps/$a/outputs/$b
        fi ;;
      workflow)
        if [ "$kind" = dataset ]; then REPLY=${GW_WF_DATASET[$a]}; else REPLY=$GW_RUN/inputs/$a; fi ;;
      dataset) REPLY=${GW_INLINE_DATASET[$a]} ;;
      *) REPLY='' ;;
    esac
    GW_ORIGIN[$name]=$REPLY
    if [ "$kind" = string ]; then GW_SRC[$name]=$1/inputs/$name; else GW_SRC[$name]=$REPLY; fi
  done
  return 0
}

# gw_step_hash: what --resume compares, in REPLY: the job's IR record, the runtime, the
# content of each input and the context values it reads (secret values are left out).
gw_step_hash() {
  local text i name h
  text="gwfc-step 1"$'\n'"record $S_RECORD"$'\n'"runtime $GW_RUNTIME"$'\n'
  for (( i = 0; i < ${#S_INPUTS[@]}; i += 5 )); do
    name=${S_INPUTS[i]}
    if [ "${S_INPUTS[i+2]}" = string ]; then h=inline; else gw_hash "${GW_ORIGIN[$name]}"; h=$REPLY; fi
    text+="input $name $h"$'\n'
  done
  for (( i = 0; i < ${#S_ENV[@]}; i += 3 )); do
    [ "${S_ENV[i+1]}" = context ] || continue
    gw_value context "${S_ENV[i+2]}" || return 1
    h=$(printf '%s' "$REPLY" | sha256sum)
    text+="context ${S_ENV[i]} ${h%% *}"$'\n'
  done
  h=$(printf '%s' "$text" | sha256sum)
  REPLY=${h%% *}
}

# gw_intact DIR: whether every output in DIR/results is still there, unchanged.
gw_intact() {
  [ -f "$1/results" ] || return 1
  local -a lines=()
  mapfile -t lines < "$1/results"
  local line name kind hash ds ver path
  for line in "${lines[@]}"; do
    read -r name kind hash ds ver <<< "$line"
    if [ "$kind" = dataset ]; then path=$GW_STATE_ABS/datasets/$ds/$ver; else path=$1/outputs/$name; fi
    gw_hash "$path"
    [ "$REPLY" = "$hash" ] || return 1
  done
  return 0
}

# gw_stage DIR: fresh inputs/, outputs/ and files/ for the current job; 1 with the reason.
gw_stage() {
  local dir=$1 i name kind path
  rm -rf -- "$dir/inputs" "$dir/outputs" "$dir/files"
  mkdir -p -- "$dir/inputs" "$dir/outputs" "$dir/files" || { REPLY="cannot create $dir"; return 1; }
  for (( i = 0; i < ${#S_INPUTS[@]}; i += 5 )); do
    name=${S_INPUTS[i]} kind=${S_INPUTS[i+1]}
    if [ "${S_INPUTS[i+2]}" = string ]; then
      printf '%s' "${S_INPUTS[i+3]}" > "$dir/inputs/$name"
    elif [ "$kind" = string ]; then
      cp -- "${GW_ORIGIN[$name]}" "$dir/inputs/$name" || { REPLY="cannot read input \"$name\""; return 1; }
    else
      [ -d "${GW_ORIGIN[$name]}" ] || { REPLY="input \"$name\" is missing: ${GW_ORIGIN[$name]}"; return 1; }
      ln -s -- "${GW_ORIGIN[$name]}" "$dir/inputs/$name"
    fi
  done
  for (( i = 0; i < ${#S_OUTPUTS[@]}; i += 3 )); do
    [ "${S_OUTPUTS[i+1]}" = string ] || mkdir -p -- "$dir/outputs/${S_OUTPUTS[i]}"
  done
  for (( i = 0; i < ${#S_FILES[@]}; i += 2 )); do
    path=$dir/files${S_FILES[i]}
    if ! mkdir -p -- "${path%/*}" || ! printf '%s' "${S_FILES[i+1]}" > "$path"; then
      REPLY="cannot write $path"
      return 1
    fi
  done
  return 0
}

# gw_check_outputs DIR: the contract after a job: each string output is a file of at most
# 1 MiB, each directory output still a directory, neither a symbolic link (which would make
# the next job read a path of this machine); 1 with the reason in REPLY.
gw_check_outputs() {
  local dir=$1 i name size
  for (( i = 0; i < ${#S_OUTPUTS[@]}; i += 3 )); do
    name=${S_OUTPUTS[i]}
    if [ -L "$dir/outputs/$name" ]; then
      REPLY="output \"$name\" is a symbolic link; outputs are files and directories of their own"
      return 1
    elif [ "${S_OUTPUTS[i+1]}" = string ]; then
      if [ ! -f "$dir/outputs/$name" ]; then
        REPLY="the job did not write its string output \"$name\": it must create the file /outputs/$name"
        return 1
      fi
      size=$(wc -c < "$dir/outputs/$name")
      if [ "$size" -gt 1048576 ]; then
        REPLY="string output \"$name\" is $size bytes; string values are at most 1 MiB (use a volume or dataset)"
        return 1
      fi
    elif [ ! -d "$dir/outputs/$name" ]; then
      REPLY="output \"$name\" is no longer a directory at /outputs/$name"
      return 1
    fi
  done
  return 0
}

# gw_commit DIR JOB: datasets become new versions, create-model registers its model; the
# results file is written. 1 with the reason in REPLY.
gw_commit() {
  local dir=$1 job=$2 i name kind ds tag version record='' id mname mtype
  for (( i = 0; i < ${#S_OUTPUTS[@]}; i += 3 )); do
    name=${S_OUTPUTS[i]} kind=${S_OUTPUTS[i+1]}
    if [ "$kind" = dataset ]; then
      gw_ds_output "${S_OUTPUTS[i+2]}" || return 1
      ds=$GW_OUT_DS tag=$GW_OUT_TAG
      gw_ds_commit "$dir/outputs/$name" "$ds" || { REPLY="cannot commit dataset \"$ds\""; return 1; }
      version=$REPLY
      ln -s -- "$GW_STATE_ABS/datasets/$ds/$version" "$dir/outputs/$name"
      # The tag moves once the version is in place, so it never names a partial one.
      if [ -n "$tag" ] && ! gw_ds_tag "$ds" "$tag" "$version"; then
        REPLY="cannot tag version $version of dataset \"$ds\" as \"$tag\""
        return 1
      fi
      gw_hash "$GW_STATE_ABS/datasets/$ds/$version"
      record+="$name $kind $REPLY $ds $version"$'\n'
      gw_log_line "$dir" "run.sh: output \"$name\" is dataset $ds:$version${tag:+ (tagged $tag)}"
    else
      gw_hash "$dir/outputs/$name"
      record+="$name $kind $REPLY"$'\n'
    fi
  done
  if [ "$S_OP" = register-model ]; then
    mname='' mtype=''
    for (( i = 0; i < ${#S_OP_PARAMS[@]}; i += 3 )); do
      gw_value "${S_OP_PARAMS[i+1]}" "${S_OP_PARAMS[i+2]}" || return 1
      case ${S_OP_PARAMS[i]} in name) mname=$REPLY ;; type) mtype=$REPLY ;; esac
    done
    id=$(<"$dir/outputs/model-id")
    gw_model_register "${GW_ORIGIN[model]}" "$mname" "$mtype" "$id" "$job" || { REPLY="cannot register model \"$mname\""; return 1; }
    gw_log_line "$dir" "run.sh: model \"$mname\" registered as $id ($REPLY)"
  fi
  gw_write "$dir/results" "$record"
}

gw_log_line() { printf '%s\n' "$2" >> "$1/log"; }

# gw_mask_script: the sed script that masks the secrets (GW_MASKS), in GW_MASK_SCRIPT: one
# s command per line of a secret value, the longest first (a secret inside another is not
# left half shown), each as a literal (a basic regular expression with its special
# characters escaped). It stays in this shell's memory: never in a file, never exported.
gw_mask_script() {
  GW_MASK_SCRIPT=''
  local -a left=("${GW_MASKS[@]}")
  local i best e
  while [ "${#left[@]}" -gt 0 ]; do
    best=0
    for i in "${!left[@]}"; do [ "${#left[i]}" -gt "${#left[best]}" ] && best=$i; done
    e=${left[best]}
    e=${e//\\/\\\\}
    e=${e//\//\\/}
    e=${e//./\\.}
    e=${e//\*/\\*}
    e=${e//\[/\\[}
    e=${e//\]/\\]}
    e=${e//^/\\^}
    e=${e//\$/\\$}
    GW_MASK_SCRIPT+="s/$e/***/g"$'\n'
    unset 'left[best]'
    left=("${left[@]}")
  done
}

# gw_mask: copy stdin to stdout with every line of every secret value replaced by ***, and
# nothing else changed (NUL bytes kept, no newline added): GNU sed in the C locale, its
# script read from a pipe. It ignores SIGINT and SIGTERM, which stop the job: it ends when
# the job's output does, with nothing of it lost.
gw_mask() {
  trap '' INT TERM
  if [ -z "${GW_MASK_SCRIPT:-}" ]; then cat; return 0; fi
  local -a unbuffered=()
  [ "$GW_VERBOSE" = 1 ] && unbuffered=(-u)
  LC_ALL=C sed "${unbuffered[@]}" -f <(printf '%s' "$GW_MASK_SCRIPT")
}

# gw_log_sink LOG JOB: append stdin to LOG (and, with --verbose, print it prefixed by JOB).
gw_log_sink() {
  trap '' INT TERM
  if [ "$GW_VERBOSE" = 1 ]; then
    local line
    tee -a -- "$1" | while IFS= read -r line || [ -n "$line" ]; do printf '%s| %s\n' "$2" "$line"; done
  else
    cat >> "$1"
  fi
}

# gw_clear_exports: unexport every variable (the host runtime passes only what it chooses).
gw_clear_exports() {
  local -a names=()
  mapfile -t names < <(compgen -e)
  [ "${#names[@]}" -eq 0 ] || export -n "${names[@]}" 2>/dev/null
  return 0
}

# gw_finish DIR START STATE [DETAIL]: record the time taken and the final state.
gw_finish() {
  local dir=$1 start=$2 state=$3 detail=${4:-} us
  gw_now
  us=$(( REPLY - start ))
  gw_write "$dir/time" "$(( us / 1000000 )).$(printf '%03d' $(( us / 1000 % 1000 )))"
  [ -n "$detail" ] && [ "$state" != ok ] && [ "$state" != cached ] && gw_log_line "$dir" "run.sh: $state: $detail"
  gw_status "$dir" "$state" "$detail"
}

# gw_run_step JOB: run one job in its own process group (a background job of gw_start).
gw_run_step() {
  local job=$1 dir=$GW_RUN/steps/$1 start hash rc=0
  GW_STOP=0
  trap 'GW_STOP=1' INT TERM
  wf_spec "$job"
  gw_now; start=$REPLY
  if ! gw_origins "$dir" || ! gw_step_hash; then
    trap '' INT TERM
    gw_finish "$dir" "$start" failed "$REPLY"
    return 0
  fi
  hash=$REPLY
  if [ "$GW_REUSE" = 1 ] && [ -f "$dir/hash" ] && [ "$(<"$dir/hash")" = "$hash" ] && gw_intact "$dir"; then
    trap '' INT TERM
    gw_finish "$dir" "$start" cached "unchanged"
    return 0
  fi
  rm -f -- "$dir/hash" "$dir/results"
  : > "$dir/log"
  gw_status "$dir" running
  if ! gw_stage "$dir" || ! gw_argv "$dir" "$job"; then
    trap '' INT TERM
    if [ "$GW_STOP" = 1 ]; then gw_finish "$dir" "$start" interrupted "stopped by a signal"; return 0; fi
    gw_finish "$dir" "$start" failed "$REPLY"
    return 0
  fi
  if [ "$GW_STOP" = 0 ]; then
    (
      set -- "${GW_ARGV[@]}"
      [ "$GW_RUNTIME" = host ] && gw_clear_exports
      [ "${#GW_EXPORTS[@]}" -eq 0 ] || export "${GW_EXPORTS[@]}"
      exec "$@"
    ) < /dev/null 2>&1 | gw_mask | gw_log_sink "$dir/log" "$job"
    rc=${PIPESTATUS[0]}
  fi
  # From here on the job is finished: recording it (status, datasets, model) is not cut short
  # by a stop; the main script's SIGKILL after 10 s still is.
  trap '' INT TERM
  if [ "$GW_STOP" = 1 ]; then gw_finish "$dir" "$start" interrupted "stopped by a signal"; return 0; fi
  if [ "$rc" -ne 0 ]; then
    if [ "$rc" = 124 ] && [ "$GW_TIMEOUT" -gt 0 ]; then
      gw_finish "$dir" "$start" timeout "stopped after --timeout $GW_TIMEOUT seconds"
    else
      gw_finish "$dir" "$start" failed "exit status $rc"
    fi
    return 0
  fi
  if ! gw_check_outputs "$dir" || ! gw_commit "$dir" "$job"; then
    gw_finish "$dir" "$start" failed "$REPLY"
    return 0
  fi
  gw_write "$dir/hash" "$hash"
  gw_finish "$dir" "$start" ok
}
