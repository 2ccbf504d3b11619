
# ---- the run: set-up, checks before any job starts, scheduling, summary ----------------------

# gw_state_abs: the state directory as an absolute path (physical once it exists), in
# GW_STATE_ABS, and the directory of this workflow's runs in GW_RUNS.
gw_state_abs() {
  if [ -d "$GW_STATE" ]; then
    GW_STATE_ABS=$(cd -- "$GW_STATE" && pwd -P) || gw_usage_error "--state: cannot enter $GW_STATE"
  elif [ -e "$GW_STATE" ] || [ -L "$GW_STATE" ]; then
    gw_usage_error "--state $GW_STATE is not a directory"
  else
    case $GW_STATE in /*) GW_STATE_ABS=$GW_STATE ;; *) GW_STATE_ABS=$PWD/$GW_STATE ;; esac
  fi
  GW_RUNS=$GW_STATE_ABS/runs/$WF_DIR
}

# gw_owner: runs/<name>/ holds the runs of one workflow: its name (the file `workflow`) and,
# when gwfc run gives it (--workflow-file), the file it was compiled from (`source`). Runs of
# another workflow are refused: their results are not this one's to reuse.
gw_owner() {
  local other=''
  if [ -f "$GW_RUNS/workflow" ]; then
    IFS= read -r -d '' other < "$GW_RUNS/workflow"
    if [ "$other" != "$WF_NAME" ]; then
      gw_usage_error "$GW_RUNS holds the runs of the workflow \"$other\", not of \"$WF_NAME\": choose another --state"
    fi
  fi
  if [ -n "$GW_SOURCE" ] && [ -f "$GW_RUNS/source" ]; then
    IFS= read -r -d '' other < "$GW_RUNS/source"
    if [ "$other" != "$GW_SOURCE" ]; then
      gw_usage_error "$GW_RUNS holds the runs of $other, not of $GW_SOURCE: choose another --state"
    fi
  fi
  return 0
}

# gw_setup: the state directory (created only when the run opens), the runtime's tools, and
# which run this is.
gw_setup() {
  gw_state_abs
  gw_owner
  case $GW_RUNTIME in
    host) GW_RUNTIME_BIN=$(command -v bwrap || true) ;;
    *) GW_RUNTIME_BIN=$(command -v "$GW_RUNTIME" || true) ;;
  esac
  GW_TIMEOUT_BIN=$(command -v timeout || true)
  GW_CONTINUE=0 GW_REUSE=$GW_RESUME
  if [ "$GW_RESUME" = 1 ] || [ "${#GW_ONLY[@]}" -gt 0 ] || [ -n "$GW_FROM" ]; then
    if [ -z "$GW_RUN_ID" ] && [ -f "$GW_RUNS/latest" ]; then GW_RUN_ID=$(<"$GW_RUNS/latest"); fi
    if [ -n "$GW_RUN_ID" ] && [ -d "$GW_RUNS/$GW_RUN_ID/steps" ]; then
      GW_CONTINUE=1
    elif [ "$GW_RESUME" = 1 ]; then
      gw_note "there is no earlier run of \"$WF_NAME\" in $GW_STATE to resume: starting a new run"
    fi
  elif [ -n "$GW_RUN_ID" ] && [ -d "$GW_RUNS/$GW_RUN_ID/steps" ]; then
    gw_usage_error "run $GW_RUN_ID exists; continue it with --resume, or choose another --run-id"
  fi
  # The time to the microsecond first: run ids sort as the runs started.
  if [ -z "$GW_RUN_ID" ]; then GW_RUN_ID=$(date -u +%Y%m%dT%H%M%S.%6NZ)-$$; fi
  GW_RUN=$GW_RUNS/$GW_RUN_ID
}

# gw_select: the jobs this run runs (all; or --only and --from with what follows), in GW_SEL.
gw_select() {
  declare -gA GW_SEL=()
  local job dep
  local -a deps
  if [ "${#GW_ONLY[@]}" -eq 0 ] && [ -z "$GW_FROM" ]; then
    for job in "${WF_JOBS[@]}"; do GW_SEL[$job]=1; done
    return 0
  fi
  for job in "${GW_ONLY[@]}"; do GW_SEL[$job]=1; done
  [ -n "$GW_FROM" ] || return 0
  local -A down=([$GW_FROM]=1)
  for job in "${WF_JOBS[@]}"; do
    read -r -a deps <<< "${WF_AFTER[$job]}"
    for dep in "${deps[@]}"; do
      [ -n "${down[$dep]+x}" ] && down[$job]=1
    done
  done
  for job in "${!down[@]}"; do GW_SEL[$job]=1; done
}

GW_PROBLEMS=()
gw_problem() {
  gw_in_list "$1" "${GW_PROBLEMS[@]}" || GW_PROBLEMS+=("$1")
}

# gw_preflight: everything a run needs, checked before any job starts: the runtime, each
# workflow input, dataset, context value and secret that a selected job reads, the dataset
# (and tag) each one writes, and the results of earlier jobs that are not run again. Exits 1
# naming what fixes each problem.
gw_preflight() {
  declare -gA GW_WF_DATASET=() GW_INLINE_DATASET=() GW_WF_USED=()
  GW_MASKS=()
  local job i dep name kind size
  local -a deps
  if [ -z "$GW_RUNTIME_BIN" ]; then
    if [ "$GW_DRY" = 1 ]; then
      if [ "$GW_RUNTIME" = host ]; then GW_RUNTIME_BIN=bwrap; else GW_RUNTIME_BIN=$GW_RUNTIME; fi
    elif [ "$GW_RUNTIME" = host ]; then
      gw_problem "the host runtime needs bubblewrap (bwrap), which is not installed: apt-get install bubblewrap (or choose --runtime docker or podman)"
    else
      gw_problem "$GW_RUNTIME is not installed (or not on PATH): install it, or choose another --runtime"
    fi
  fi
  if [ "$GW_TIMEOUT" -gt 0 ] && [ -z "$GW_TIMEOUT_BIN" ]; then
    if [ "$GW_DRY" = 1 ]; then GW_TIMEOUT_BIN=timeout; else gw_problem "--timeout needs timeout(1) from GNU coreutils"; fi
  fi
  if [ "$GW_RUNTIME" != host ] && [[ $GW_STATE_ABS == *[:,]* ]]; then
    gw_problem "the state directory $GW_STATE_ABS holds ':' or ',', which $GW_RUNTIME's -v cannot take: choose another --state"
  fi
  for job in "${WF_JOBS[@]}"; do
    [ -n "${GW_SEL[$job]+x}" ] || continue
    wf_spec "$job"
    for (( i = 0; i < ${#S_INPUTS[@]}; i += 5 )); do
      case ${S_INPUTS[i+2]} in
        workflow) GW_WF_USED[${S_INPUTS[i+3]}]=1 ;;
        dataset)
          if gw_ds_resolve "${S_INPUTS[i+3]}"; then
            GW_INLINE_DATASET[${S_INPUTS[i+3]}]=$REPLY
          else
            gw_problem "job \"$job\", input \"${S_INPUTS[i]}\": $REPLY"
          fi ;;
      esac
    done
    for (( i = 0; i < ${#S_OUTPUTS[@]}; i += 3 )); do
      [ "${S_OUTPUTS[i+1]}" = dataset ] || continue
      gw_ds_output "${S_OUTPUTS[i+2]}" || gw_problem "job \"$job\", output \"${S_OUTPUTS[i]}\": $REPLY"
    done
    for (( i = 0; i < ${#S_ENV[@]}; i += 3 )); do
      gw_preflight_value "$job" "${S_ENV[i+1]}" "${S_ENV[i+2]}"
    done
    for (( i = 0; i < ${#S_OP_PARAMS[@]}; i += 3 )); do
      gw_preflight_value "$job" "${S_OP_PARAMS[i+1]}" "${S_OP_PARAMS[i+2]}"
    done
    if [ "$GW_RUNTIME" = host ] && ! gw_command; then
      gw_problem "job \"$job\" has no command or args: it runs the entrypoint of its image $S_IMAGE, which the host runtime cannot do (choose --runtime docker or podman)"
    fi
    read -r -a deps <<< "${WF_AFTER[$job]}"
    for dep in "${deps[@]}"; do
      [ -n "${GW_SEL[$dep]+x}" ] && continue
      if [ "$GW_CONTINUE" = 0 ] || [ ! -f "$GW_RUN/steps/$dep/hash" ]; then
        gw_problem "job \"$job\" needs the results of job \"$dep\", which has no successful run to reuse: run \"$dep\" too (add --only $dep, or run without --only/--from)"
      fi
    done
  done
  for name in "${WF_INPUTS[@]}"; do
    [ -n "${GW_WF_USED[$name]+x}" ] || continue
    kind=${WF_INPUT_KIND[$name]}
    if [ "$kind" = string ] && [ -n "${GW_GIVEN[$name]+x}" ]; then
      if [ "${GW_GIVEN_HOW[$name]}" = file ]; then
        size=$(wc -c < "${GW_GIVEN[$name]}")
      else
        size=$(printf '%s' "${GW_GIVEN[$name]}" | wc -c)
      fi
      [ "$size" -gt 1048576 ] && gw_problem "workflow input \"$name\" is $size bytes: string values are at most 1 MiB"
    fi
    case $kind in
      dataset)
        if [ -n "${GW_GIVEN[$name]+x}" ]; then REPLY=${GW_GIVEN[$name]}
        elif [ -n "${WF_INPUT_DEFAULT[$name]+x}" ]; then REPLY=${WF_INPUT_DEFAULT[$name]}
        else gw_problem "workflow input \"$name\" (a dataset) has no value: give --input $name=DATASET[:VERSION]"; continue
        fi
        if gw_ds_resolve "$REPLY"; then
          GW_WF_DATASET[$name]=$REPLY
        else
          gw_problem "workflow input \"$name\": $REPLY"
        fi ;;
      string)
        if [ -z "${GW_GIVEN[$name]+x}" ] && [ -z "${WF_INPUT_DEFAULT[$name]+x}" ]; then
          gw_problem "workflow input \"$name\" has no value: give --input $name=VALUE"
        fi ;;
    esac
  done
  if [ "${#GW_PROBLEMS[@]}" -gt 0 ]; then
    for i in "${GW_PROBLEMS[@]}"; do gw_error "$i"; done
    gw_error "nothing was run"
    exit 1
  fi
  gw_mask_script
  # gwfc run reports the same as GW511 and sets GWFC_HOST_NOTED so that it is said once.
  if [ "$GW_RUNTIME" = host ] && [ -z "${GWFC_HOST_NOTED:-}" ]; then
    gw_note "the host runtime runs each job on this machine in bubblewrap, without its image: the tools the jobs call must be installed here"
  fi
}

# gw_preflight_value JOB KIND VALUE: a secret or context value the job reads must exist;
# secret values are collected for masking.
gw_preflight_value() {
  case $2 in
    secret|context)
      if ! gw_value "$2" "$3"; then
        gw_problem "$REPLY"
      elif [ "$2" = secret ] && [ -n "$REPLY" ]; then
        local line
        while IFS= read -r line; do
          [ -n "$line" ] && ! gw_in_list "$line" "${GW_MASKS[@]}" && GW_MASKS+=("$line")
        done <<< "$REPLY"
      fi ;;
  esac
  return 0
}

# gw_open_run: the run directory (and the state directory, the first time), its lock, the
# workflow's name (and file) in runs/<name>/, and the workflow inputs' values as files.
gw_open_run() {
  gw_owner  # again: another process may have made runs/<name>/ since the first check
  mkdir -p -- "$GW_RUN/steps" "$GW_RUN/inputs" || { gw_error "cannot create $GW_RUN"; exit 1; }
  gw_state_abs
  GW_RUN=$GW_RUNS/$GW_RUN_ID
  [ -f "$GW_RUNS/workflow" ] || gw_write "$GW_RUNS/workflow" "$WF_NAME"
  if [ -n "$GW_SOURCE" ] && [ ! -f "$GW_RUNS/source" ]; then gw_write "$GW_RUNS/source" "$GW_SOURCE"; fi
  local lock=$GW_RUN/.lock pid
  if ! mkdir -- "$lock" 2>/dev/null; then
    pid=$(cat -- "$lock/pid" 2>/dev/null || true)
    if [ -n "$pid" ] && [ "$pid" != "$$" ] && kill -0 "$pid" 2>/dev/null; then
      gw_error "run $GW_RUN_ID is in use by process $pid (another run.sh or gwfc run of it): wait for it to end and try again, or start a new run without --resume"
      exit 1
    fi
    rm -rf -- "$lock"
    mkdir -- "$lock" || exit 1
  fi
  printf '%s' "$$" > "$lock/pid"
  trap 'rm -rf -- "$GW_RUN/.lock"' EXIT
  gw_write "$GW_RUN/status" "running"$'\n'
  gw_write "$GW_RUNS/latest" "$GW_RUN_ID"
  local name
  for name in "${WF_INPUTS[@]}"; do
    [ -n "${GW_WF_USED[$name]+x}" ] || continue
    case ${WF_INPUT_KIND[$name]} in
      string)
        rm -rf -- "$GW_RUN/inputs/$name"
        if [ -n "${GW_GIVEN[$name]+x}" ] && [ "${GW_GIVEN_HOW[$name]}" = file ]; then
          cp -- "${GW_GIVEN[$name]}" "$GW_RUN/inputs/$name"
        elif [ -n "${GW_GIVEN[$name]+x}" ]; then
          printf '%s' "${GW_GIVEN[$name]}" > "$GW_RUN/inputs/$name"
        else
          printf '%s' "${WF_INPUT_DEFAULT[$name]}" > "$GW_RUN/inputs/$name"
        fi ;;
      volume) mkdir -p -- "$GW_RUN/inputs/$name" ;;
    esac
  done
}

# gw_deps JOB: ready (every job it waits for succeeded), wait, or blocked:DEP, in REPLY.
gw_deps() {
  local dep
  local -a deps
  read -r -a deps <<< "${WF_AFTER[$1]}"
  REPLY=ready
  for dep in "${deps[@]}"; do
    case ${GW_ST[$dep]} in
      ok|cached|kept) ;;
      pending|running) REPLY='wait' ;;
      *) REPLY=blocked:$dep; return 0 ;;
    esac
  done
}

# gw_start JOB: run the job in the background, in its own process group (set -m), so that
# a stop reaches every process it started.
gw_start() {
  local job=$1
  GW_ST[$job]=running
  gw_say "start       $job"
  set -m
  gw_run_step "$job" 2>>"$GW_RUN/steps/$job/runner.log" &
  GW_PID[$job]=$!
  set +m
}

# gw_reap: the jobs that ended since the last call: their state, and a line each.
gw_reap() {
  local job pid state detail
  for job in "${!GW_PID[@]}"; do
    pid=${GW_PID[$job]}
    kill -0 "$pid" 2>/dev/null && continue
    wait "$pid" 2>/dev/null
    unset 'GW_PID[$job]'
    gw_status_word "$GW_RUN/steps/$job"
    state=$REPLY
    case $state in
      ok|cached|failed|timeout|interrupted) ;;
      *) state=failed; gw_status "$GW_RUN/steps/$job" failed "its runner stopped unexpectedly (see runner.log)" ;;
    esac
    GW_ST[$job]=$state
    gw_report "$job"
  done
}

# gw_report JOB: one line for a job that ended (and the end of its log when it failed).
gw_report() {
  local dir=$GW_RUN/steps/$1 state detail='' t=''
  [ -f "$dir/status" ] && read -r state detail < "$dir/status"
  [ -f "$dir/time" ] && t=" ($(<"$dir/time")s)"
  case ${state:-} in
    ok|cached) gw_say "$(printf '%-11s %s%s' "$state" "$1" "$t")" ;;
    *)
      gw_say "$(printf '%-11s %s%s: %s' "${state:-failed}" "$1" "$t" "$detail")"
      if [ "$GW_VERBOSE" = 0 ] && [ -s "$dir/log" ] && [ "${state:-}" != interrupted ]; then
        gw_say "            log: $dir/log (last lines:)"
        tail -n 15 -- "$dir/log" | while IFS= read -r line || [ -n "$line" ]; do gw_say "    $line"; done
      fi ;;
  esac
}

# gw_on_signal SIG: stop every running job (its process group); a second signal kills them.
# shellcheck disable=SC2317  # called by the INT and TERM traps
gw_on_signal() {
  local job
  if [ -n "$GW_INTERRUPTED" ]; then
    for job in "${!GW_PID[@]}"; do kill -KILL -- "-${GW_PID[$job]}" 2>/dev/null; done
    return 0
  fi
  GW_INTERRUPTED=$1
  printf 'run.sh: SIG%s: stopping the running jobs\n' "$1" >&2
  gw_term_all
}

# gw_term_all: SIGTERM to each running job's process group, once.
gw_term_all() {
  local job
  for job in "${!GW_PID[@]}"; do
    [ -n "${GW_TERMED[$job]+x}" ] && continue
    GW_TERMED[$job]=1
    kill -TERM -- "-${GW_PID[$job]}" 2>/dev/null
  done
}

# gw_stop_all: wait for stopped jobs (10 s, then SIGKILL).
gw_stop_all() {
  local tries=0 job
  gw_term_all  # a job started while the signal arrived has not had it yet
  while [ "${#GW_PID[@]}" -gt 0 ]; do
    gw_reap
    [ "${#GW_PID[@]}" -eq 0 ] && break
    tries=$(( tries + 1 ))
    if [ "$tries" -eq 100 ]; then
      for job in "${!GW_PID[@]}"; do kill -KILL -- "-${GW_PID[$job]}" 2>/dev/null; done
    fi
    sleep 0.1
  done
}

# gw_schedule: start each job when the jobs it waits for have succeeded, up to --jobs at
# once; a failure skips its dependants and lets independent jobs finish.
gw_schedule() {
  declare -gA GW_ST=() GW_PID=() GW_TERMED=()
  GW_INTERRUPTED=''
  local job dir started
  for job in "${WF_JOBS[@]}"; do
    dir=$GW_RUN/steps/$job
    mkdir -p -- "$dir"
    if [ -n "${GW_SEL[$job]+x}" ]; then
      GW_ST[$job]=pending
      gw_status "$dir" pending
    elif [ -f "$dir/hash" ]; then
      GW_ST[$job]=kept
      gw_status "$dir" kept "results of an earlier run"
    else
      GW_ST[$job]=unselected
      gw_status "$dir" unselected
    fi
  done
  trap 'gw_on_signal INT' INT
  trap 'gw_on_signal TERM' TERM
  while :; do
    gw_reap
    [ -n "$GW_INTERRUPTED" ] && break
    started=0
    for job in "${WF_JOBS[@]}"; do
      [ "${GW_ST[$job]}" = pending ] || continue
      gw_deps "$job"
      case $REPLY in
        ready)
          if [ "${#GW_PID[@]}" -lt "$GW_JOBS" ]; then gw_start "$job"; started=1; fi ;;
        blocked:*)
          GW_ST[$job]=skipped
          gw_status "$GW_RUN/steps/$job" skipped "job ${REPLY#blocked:} did not succeed"
          gw_say "skipped     $job: job ${REPLY#blocked:} did not succeed" ;;
      esac
    done
    if [ "${#GW_PID[@]}" -eq 0 ]; then
      [ "$started" = 1 ] && continue
      break
    fi
    wait -n 2>/dev/null
  done
  [ -n "$GW_INTERRUPTED" ] && gw_stop_all
  trap - INT TERM
}

# gw_summary: a table of the selected jobs and the exit status.
gw_summary() {
  local job state detail t n_ok=0 n_bad=0 n_skip=0 width=4 rc=0
  for job in "${WF_JOBS[@]}"; do [ "${#job}" -gt "$width" ] && width=${#job}; done
  gw_say ""
  gw_say "$(printf '%-*s  %-11s %9s  %s' "$width" job status time detail)"
  for job in "${WF_JOBS[@]}"; do
    [ "${GW_ST[$job]}" = unselected ] && continue
    state='' detail='' t=''
    [ -f "$GW_RUN/steps/$job/status" ] && read -r state detail < "$GW_RUN/steps/$job/status"
    [ -f "$GW_RUN/steps/$job/time" ] && [ "$state" != pending ] && [ "$state" != kept ] && t=$(<"$GW_RUN/steps/$job/time")s
    gw_say "$(printf '%-*s  %-11s %9s  %s' "$width" "$job" "$state" "$t" "$detail")"
    case $state in
      ok|cached|kept) n_ok=$(( n_ok + 1 )) ;;
      skipped|pending) n_skip=$(( n_skip + 1 )) ;;
      *) n_bad=$(( n_bad + 1 )) ;;
    esac
  done
  gw_say ""
  if [ -n "$GW_INTERRUPTED" ]; then
    gw_write "$GW_RUN/status" "interrupted"$'\n'
    gw_say "run $GW_RUN_ID stopped by SIG$GW_INTERRUPTED: $n_ok done, $n_bad failed or stopped, $n_skip not run; continue it with --resume"
    [ "$GW_INTERRUPTED" = INT ] && return 130
    return 143
  fi
  if [ "$n_bad" -gt 0 ] || [ "$n_skip" -gt 0 ]; then
    rc=1
    gw_write "$GW_RUN/status" "failed"$'\n'
    gw_say "run $GW_RUN_ID failed: $n_ok succeeded, $n_bad failed, $n_skip skipped (state: $GW_RUN)"
  else
    gw_write "$GW_RUN/status" "ok"$'\n'
    gw_say "run $GW_RUN_ID succeeded: $n_ok jobs (state: $GW_RUN)"
  fi
  return "$rc"
}

# gw_dry_run: print each selected job's command line; run nothing, write nothing.
gw_dry_run() {
  local job dir names i
  gw_say "dry run of \"$WF_NAME\": runtime $GW_RUNTIME, state $GW_STATE_ABS, run $GW_RUN_ID; nothing is run"
  for job in "${WF_JOBS[@]}"; do
    [ -n "${GW_SEL[$job]+x}" ] || continue
    wf_spec "$job"
    dir=$GW_RUN/steps/$job
    gw_say ""
    gw_say "job $job${WF_AFTER[$job]:+ (after ${WF_AFTER[$job]})}:"
    gw_origins "$dir"
    if ! gw_argv "$dir" "$job"; then gw_say "  cannot run: $REPLY"; continue; fi
    names=''
    for (( i = 0; i < ${#GW_EXPORTS[@]}; i++ )); do names+=" ${GW_EXPORTS[i]%%=*}"; done
    [ -n "$names" ] && gw_say "  environment:$names"
    gw_say "  $(printf '%q ' "${GW_ARGV[@]}")"
  done
  return 0
}

gw_main() {
  if [ "${BASH_VERSINFO[0]}" -lt 5 ]; then
    gw_error "run.sh needs bash 5 or later; this is bash $BASH_VERSION"
    exit 2
  fi
  gw_parse_args "$@"
  gw_load_secrets_file
  gw_setup
  gw_select
  gw_preflight
  if [ "$GW_DRY" = 1 ]; then gw_dry_run; return "$?"; fi
  gw_open_run
  gw_schedule
  gw_summary
}
