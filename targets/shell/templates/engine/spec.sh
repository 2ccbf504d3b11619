# ---- the engine: the same for every workflow ----------------------------------------------

# The current job, as wf_spec loads it. Lists hold fixed-size records, one value per field.
gw_spec_reset() {
  S_RECORD='' S_IMAGE='' S_OP=''
  S_HAS_COMMAND=0 S_HAS_ARGS=0
  S_COMMAND=() S_ARGS=()
  S_FILES=()      # PATH CONTENT
  S_ENV=()        # NAME KIND VALUE        (KIND: literal, secret (VALUE: its name), context (VALUE: its path))
  S_INPUTS=()     # NAME KIND SOURCE A B   (SOURCE: step A output B, workflow input A, dataset ref A, string value A)
  S_OUTPUTS=()    # NAME KIND DATASET
  S_MOUNTS=()     # PATH ROLE NAME         (ROLE: input or output)
  S_OP_PARAMS=()  # NAME KIND VALUE
}

# Messages. Progress goes to stdout; problems to stderr.
gw_say() { printf '%s\n' "$*"; }
gw_note() { printf 'run.sh: note: %s\n' "$*" >&2; }
gw_error() { printf 'run.sh: error: %s\n' "$*" >&2; }
gw_usage_error() { gw_error "$*"; printf 'Try: bash run.sh --help\n' >&2; exit 2; }

# The time in microseconds (EPOCHREALTIME without its locale's decimal point).
gw_now() { REPLY=${EPOCHREALTIME//[!0-9]/}; }

# gw_write FILE TEXT: replace a small file atomically (readers never see half of it).
gw_write() { printf '%s' "$2" > "$1.tmp.$BASHPID" && mv -f -- "$1.tmp.$BASHPID" "$1"; }

# gw_in_list WORD WORD...: whether the first word is one of the others.
gw_in_list() {
  local w=$1; shift
  local x
  for x in "$@"; do [ "$x" = "$w" ] && return 0; done
  return 1
}
