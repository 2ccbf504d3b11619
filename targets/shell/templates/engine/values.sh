
# ---- values from outside: secrets, context ------------------------------------------------

# The secrets file: `NAME=value` lines (NAME as written in the workflow); blank lines and
# lines starting with # are skipped; `export ` before NAME and quotes around the value are
# allowed. Any other line is a usage error that names its number, never its text (a secret
# pasted without its NAME would otherwise show). Values stay in this shell's memory: never in
# a file that gwfc writes, never on a command line.
gw_load_secrets_file() {
  declare -gA GW_SECRET_FILE=()
  [ -n "$GW_SECRETS_FILE" ] || return 0
  [ -r "$GW_SECRETS_FILE" ] || gw_usage_error "--secrets-file: cannot read $GW_SECRETS_FILE"
  local line key value n=0
  local -a bad=()
  while IFS= read -r line || [ -n "$line" ]; do
    n=$(( n + 1 ))
    line=${line%$'\r'}
    [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
    line=${line#"${line%%[![:space:]]*}"}
    [[ $line =~ ^export[[:space:]]+(.*)$ ]] && line=${BASH_REMATCH[1]}
    key=${line%%=*} value=${line#*=}
    key=${key%"${key##*[![:space:]]}"}
    if [[ $line != *=* || ! $key =~ ^[A-Za-z_][A-Za-z0-9_-]*$ ]]; then bad+=("$n"); continue; fi
    if [[ ${#value} -ge 2 && ( ($value == \"*\") || ($value == \'*\') ) ]]; then
      value=${value:1:${#value}-2}
    fi
    GW_SECRET_FILE[$key]=$value
  done < "$GW_SECRETS_FILE"
  [ "${#bad[@]}" -eq 0 ] && return 0
  for n in "${bad[@]:0:10}"; do
    gw_error "--secrets-file $GW_SECRETS_FILE: line $n is not NAME=value (one secret a line, NAME as written in the workflow; blank lines and lines starting with # are skipped)"
  done
  [ "${#bad[@]}" -le 10 ] || gw_error "--secrets-file $GW_SECRETS_FILE: $(( ${#bad[@]} - 10 )) more lines are not NAME=value"
  printf 'Try: bash run.sh --help\n' >&2
  exit 2
}

# gw_secret NAME: its value in REPLY (the environment variable wins over the file); 1 if none.
gw_secret() {
  local var=${WF_SECRET_VAR[$1]:-}
  if [ -n "$var" ] && [ -n "${!var+x}" ]; then REPLY=${!var}; return 0; fi
  if [ -n "${GW_SECRET_FILE[$1]+x}" ]; then REPLY=${GW_SECRET_FILE[$1]}; return 0; fi
  return 1
}

# gw_context PATH: the value of context.PATH in REPLY: --context, else the workflow's
# `context:` block, else (event.github.url and .ref) the git repository of the current
# directory, with a note; 1 if none.
gw_context() {
  if [ -n "${GW_CONTEXT_GIVEN[$1]+x}" ]; then REPLY=${GW_CONTEXT_GIVEN[$1]}; return 0; fi
  if [ -n "${WF_CONTEXT[$1]+x}" ]; then REPLY=${WF_CONTEXT[$1]}; return 0; fi
  local top head
  case $1 in
    event.github.url|event.github.ref)
      top=$(git rev-parse --show-toplevel 2>/dev/null) || return 1
      head=$(git -C "$top" rev-parse HEAD 2>/dev/null) || return 1
      if [ "$1" = event.github.url ]; then REPLY="file://$top"; else REPLY=$head; fi
      if [ -z "${GW_CONTEXT_NOTED[$1]+x}" ]; then
        GW_CONTEXT_NOTED[$1]=1
        gw_note "context.$1 is $REPLY (the git repository of the current directory); --context $1=VALUE sets it"
      fi
      GW_CONTEXT_GIVEN[$1]=$REPLY
      return 0 ;;
  esac
  return 1
}
declare -A GW_CONTEXT_NOTED=()

# gw_value KIND VALUE: a workflow value (literal, secret NAME, context PATH) in REPLY; 1 if
# it has none (REPLY then says which flag gives it).
gw_value() {
  case $1 in
    literal) REPLY=$2 ;;
    secret)
      gw_secret "$2" && return 0
      REPLY="secret \"$2\" has no value: set ${WF_SECRET_VAR[$2]:-GWFC_SECRET_$2} or give --secrets-file FILE with a line $2=VALUE"
      return 1 ;;
    context)
      gw_context "$2" && return 0
      REPLY="context.$2 has no value: give --context $2=VALUE"
      return 1 ;;
    *) REPLY="unknown value kind $1"; return 1 ;;
  esac
}
