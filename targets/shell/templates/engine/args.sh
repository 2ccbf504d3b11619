
# ---- command line ------------------------------------------------------------------------

gw_usage() {
  printf 'Usage: bash run.sh [OPTION]...\n'
  printf 'Runs the workflow "%s" (%s jobs) on this machine.\n\n' "$WF_NAME" "${#WF_JOBS[@]}"
  cat <<'EOF'
  --state DIR             local state: datasets, models, runs          [GWFC_STATE]
  --runtime NAME          host (bubblewrap, without the images), docker or podman  [GWFC_RUNTIME]
  --jobs N                run up to N jobs at once (0: one per CPU)    [GWFC_JOBS]
  --input NAME=VALUE      a workflow input; a dataset input takes a dataset reference
                          (NAME, NAME:latest, NAME:vN, NAME:TAG). Repeatable.
  --input-from NAME=FILE  a string input whose value is the content of FILE
  --context PATH=VALUE    a context value, e.g. event.github.url=URL. Repeatable.
  --secrets-file FILE     secret values, one NAME=value line each       [GWFC_SECRETS_FILE]
                          (else the variable GWFC_SECRET_<NAME>, which wins)
  --only JOB              run only this job (repeatable); the others' results come
                          from the last run
  --from JOB              run this job and every job after it; the others' results
                          come from the last run
  --resume                continue the last run: a job whose definition, inputs and
                          outputs are unchanged is not run again
  --run-id ID             the run to create (or, with --resume, to continue)
  --workflow-file PATH    the workflow file this script was compiled from (gwfc run
                          gives it): runs/<name>/ keeps it and refuses another file's runs
  --timeout SECONDS       stop a job after this many seconds; 0: no limit  [GWFC_TIMEOUT]
  --dry-run               check the values and print what would run; run nothing
  --verbose               also print the jobs' output (it is always in their log files)
  -h, --help              this help

Exit status: 0 every job succeeded; 1 a job failed, a value is missing, or the run is in
use by another process; 2 usage; 130 or 143 stopped by SIGINT or SIGTERM (continue with
--resume).
EOF
  printf '\nDefaults: --state %s --runtime %s --jobs %s --timeout %s\n' \
    "$WF_DEFAULT_STATE" "$WF_DEFAULT_RUNTIME" "$WF_DEFAULT_JOBS" "$WF_DEFAULT_TIMEOUT"
}

gw_parse_args() {
  GW_STATE=${GWFC_STATE:-$WF_DEFAULT_STATE}
  GW_RUNTIME=${GWFC_RUNTIME:-$WF_DEFAULT_RUNTIME}
  GW_JOBS=${GWFC_JOBS:-$WF_DEFAULT_JOBS}
  GW_TIMEOUT=${GWFC_TIMEOUT:-$WF_DEFAULT_TIMEOUT}
  GW_SECRETS_FILE=${GWFC_SECRETS_FILE:-}
  GW_RESUME=0 GW_DRY=0 GW_VERBOSE=0 GW_RUN_ID='' GW_FROM='' GW_SOURCE=''
  GW_ONLY=()
  declare -gA GW_GIVEN=() GW_GIVEN_HOW=() GW_CONTEXT_GIVEN=()
  local opt val
  while [ "$#" -gt 0 ]; do
    opt=$1
    case $opt in
      -h|--help) gw_usage; exit 0 ;;
      --resume) GW_RESUME=1; shift; continue ;;
      --dry-run) GW_DRY=1; shift; continue ;;
      --verbose|-v) GW_VERBOSE=1; shift; continue ;;
      --*=*) val=${opt#*=}; opt=${opt%%=*}; shift ;;
      --state|--runtime|--jobs|--input|--input-from|--context|--secrets-file|--only|--from|--run-id|--timeout|--workflow-file)
        [ "$#" -ge 2 ] || gw_usage_error "$opt needs a value"
        val=$2; shift 2 ;;
      *) gw_usage_error "unknown option: $opt" ;;
    esac
    case $opt in
      --state) GW_STATE=$val ;;
      --runtime) GW_RUNTIME=$val ;;
      --jobs) GW_JOBS=$val ;;
      --input) gw_given_input "$val" value ;;
      --input-from) gw_given_input "$val" file ;;
      --context) gw_given_context "$val" ;;
      --secrets-file) GW_SECRETS_FILE=$val ;;
      --only) GW_ONLY+=("$val") ;;
      --from) GW_FROM=$val ;;
      --run-id) GW_RUN_ID=$val ;;
      --workflow-file) GW_SOURCE=$val ;;
      --timeout) GW_TIMEOUT=$val ;;
      *) gw_usage_error "$opt takes no value" ;;
    esac
  done
  case $GW_RUNTIME in
    host|docker|podman) ;;
    *) gw_usage_error "unknown runtime \"$GW_RUNTIME\"; choose host, docker or podman" ;;
  esac
  [[ $GW_JOBS =~ ^[0-9]+$ ]] || gw_usage_error "--jobs takes a whole number, not \"$GW_JOBS\""
  [[ $GW_TIMEOUT =~ ^[0-9]+$ ]] || gw_usage_error "--timeout takes a whole number of seconds, not \"$GW_TIMEOUT\""
  if [ "$GW_JOBS" -eq 0 ]; then GW_JOBS=$(nproc 2>/dev/null || echo 1); fi
  if [ -n "$GW_RUN_ID" ] && ! [[ $GW_RUN_ID =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]]; then
    gw_usage_error "--run-id takes letters, digits, '.', '_' and '-', not \"$GW_RUN_ID\""
  fi
  [ -z "$GW_STATE" ] && gw_usage_error "--state needs a directory"
  local job
  for job in "${GW_ONLY[@]}" ${GW_FROM:+"$GW_FROM"}; do
    if [ -z "$job" ] || [ -z "${WF_AFTER[$job]+x}" ]; then
      gw_usage_error "no job \"$job\"; the jobs are: ${WF_JOBS[*]}"
    fi
  done
}

# gw_given_input NAME=VALUE value|file
gw_given_input() {
  local name=${1%%=*} value=${1#*=}
  [[ $1 == *=* ]] || gw_usage_error "--input takes NAME=VALUE, not \"$1\""
  if [ -z "${WF_INPUT_KIND[$name]+x}" ]; then
    gw_usage_error "the workflow has no input \"$name\"; its inputs are: ${WF_INPUTS[*]:-none}"
  fi
  if [ "$2" = file ]; then
    [ "${WF_INPUT_KIND[$name]}" = string ] || gw_usage_error "--input-from takes a string input; \"$name\" is a ${WF_INPUT_KIND[$name]}"
    [ -f "$value" ] || gw_usage_error "--input-from $name: no such file: $value"
  fi
  GW_GIVEN[$name]=$value
  GW_GIVEN_HOW[$name]=$2
}

# gw_given_context PATH=VALUE (PATH after `context.`)
gw_given_context() {
  [[ $1 == *=* ]] || gw_usage_error "--context takes PATH=VALUE, e.g. event.github.url=URL, not \"$1\""
  local path=${1%%=*}
  path=${path#context.}
  GW_CONTEXT_GIVEN[$path]=${1#*=}
}
