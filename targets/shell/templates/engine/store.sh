
# ---- the local dataset and model store ----------------------------------------------------
# <state>/datasets/<name>/v1, v2, … (committed by renaming a finished temporary directory;
# a version number is claimed first by mkdir of .claims/vN, so two writers never collide);
# latest is the highest; tags/<tag> is a file holding a version (moved by renaming a new file
# over it: `gwfc dataset add --tag`, and an output written NAME:TAG); team/name nests.
# `gwfc dataset add` writes the same layout.

GW_NAME_RE='^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$'

# gw_ds_name_ok NAME: a dataset name that is a safe relative path and no version or tag word.
gw_ds_name_ok() {
  [[ $1 =~ $GW_NAME_RE ]] || return 1
  local part
  local -a parts
  IFS=/ read -r -a parts <<< "$1"
  for part in "${parts[@]}"; do
    [[ $part =~ ^(v[0-9]+|tags)$ ]] && return 1
  done
  return 0
}

# gw_versions DIR: the version numbers under DIR (committed and claimed), highest last, in GW_VERSIONS.
gw_versions() {
  GW_VERSIONS=()
  local d n
  for d in "$1"/v* "$1"/.claims/v*; do
    n=${d##*/v}
    [[ $n =~ ^[0-9]+$ ]] && [ -d "$d" ] && GW_VERSIONS+=("$n")
  done
  if [ "${#GW_VERSIONS[@]}" -gt 0 ]; then
    mapfile -t GW_VERSIONS < <(printf '%s\n' "${GW_VERSIONS[@]}" | sort -n -u)
  fi
}

# gw_next_version DIR: the number after the highest version (committed or claimed) in REPLY.
gw_next_version() {
  gw_versions "$1"
  REPLY=1
  local n=${#GW_VERSIONS[@]}
  [ "$n" -gt 0 ] && REPLY=$(( GW_VERSIONS[n - 1] + 1 ))
  return 0
}

# gw_committed DIR: the committed versions (vN directories) as words, lowest first, in REPLY.
gw_committed() {
  local d n
  local -a found=()
  for d in "$1"/v*; do
    n=${d##*/v}
    [[ $n =~ ^[0-9]+$ ]] && [ -d "$d" ] && found+=("$n")
  done
  REPLY=''
  [ "${#found[@]}" -gt 0 ] || return 0
  REPLY=$(printf 'v%s\n' "${found[@]}" | sort -t v -k 2 -n | tr '\n' ' ')
  REPLY=${REPLY% }
}

# gw_ds_resolve REF: the directory of a dataset reference (NAME, NAME:latest, NAME:vN,
# NAME:N, NAME:TAG) in REPLY; 1 with the reason in REPLY.
gw_ds_resolve() {
  local ref=$1 name suffix dir version
  name=${ref%%:*}
  suffix=''
  [[ $ref == *:* ]] && suffix=${ref#*:}
  if ! gw_ds_name_ok "$name"; then
    REPLY="\"$ref\" is not a dataset reference this store can hold (NAME[:VERSION|:TAG], NAME of letters, digits, '.', '_', '-' and '/')"
    return 1
  fi
  dir=$GW_STATE_ABS/datasets/$name
  gw_committed "$dir"
  if [ -z "$REPLY" ]; then
    REPLY="dataset \"$name\" is not in the store ($GW_STATE/datasets): add it with: gwfc dataset add $name DIR"
    return 1
  fi
  local have=$REPLY
  if [ -n "$suffix" ] && ! [[ $suffix =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]]; then
    REPLY="\"$ref\": \"$suffix\" is not a version or tag"
    return 1
  fi
  case $suffix in
    ''|latest) version=${have##* } ;;
    v[0-9]*|[0-9]*)
      version=v${suffix#v}
      if [ ! -d "$dir/$version" ] && [ -f "$dir/tags/$suffix" ]; then version=$(<"$dir/tags/$suffix"); fi ;;
    *)
      if [ -f "$dir/tags/$suffix" ]; then version=$(<"$dir/tags/$suffix"); else version=''; fi ;;
  esac
  if ! [[ $version =~ ^v[0-9]+$ ]] || [ ! -d "$dir/$version" ]; then
    REPLY="dataset \"$name\" has no version or tag \"$suffix\" (versions: $have)"
    [[ $suffix =~ ^v?[0-9]+$ ]] || REPLY+="; tag one with: gwfc dataset add $name DIR --tag $suffix"
    return 1
  fi
  REPLY=$dir/$version
}

# gw_ds_commit DIR NAME: make DIR (moved, not copied) the next version of dataset NAME;
# the version in REPLY.
gw_ds_commit() {
  local src=$1 name=$2 root n tmp
  root=$GW_STATE_ABS/datasets/$name
  mkdir -p -- "$root/.claims" || return 1
  tmp=$root/.tmp.$GW_RUN_ID.$BASHPID
  rm -rf -- "$tmp"
  mv -T -- "$src" "$tmp" || return 1
  while :; do
    gw_next_version "$root"
    n=$REPLY
    mkdir -- "$root/.claims/v$n" 2>/dev/null || continue
    mv -T -- "$tmp" "$root/v$n" || return 1
    REPLY=v$n
    return 0
  done
}

# gw_ds_output REF: the dataset and the tag that an output's reference names, in GW_OUT_DS and
# GW_OUT_TAG (empty for NAME and NAME:latest); 1 with the reason in REPLY. NAME:TAG tags the
# version the job writes (as the Argo target does); NAME:3 and NAME:v3 are refused: the store
# numbers its versions itself, and NAME:3 already means its version 3.
gw_ds_output() {
  local ref=$1
  GW_OUT_DS=${ref%%:*} GW_OUT_TAG=''
  [[ $ref == *:* ]] && GW_OUT_TAG=${ref#*:}
  [ "$GW_OUT_TAG" = latest ] && GW_OUT_TAG=''
  if ! gw_ds_name_ok "$GW_OUT_DS"; then
    REPLY="output dataset \"$GW_OUT_DS\" is not a name the store can hold"
    return 1
  fi
  if [[ $GW_OUT_TAG =~ ^v?[0-9]+$ ]]; then
    REPLY="output dataset \"$ref\" names version $GW_OUT_TAG, but the store numbers the versions it commits: write \"$GW_OUT_DS\", or \"$GW_OUT_DS:TAG\" to tag the new version"
    return 1
  fi
  if [ -n "$GW_OUT_TAG" ] && ! [[ $GW_OUT_TAG =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]]; then
    REPLY="output dataset \"$ref\": \"$GW_OUT_TAG\" is not a tag"
    return 1
  fi
  return 0
}

# gw_ds_tag NAME TAG VERSION: point tags/TAG of dataset NAME at VERSION by renaming a finished
# temporary file over it (atomic: a reader sees the old version or the new one; a tag that
# named an older version moves).
gw_ds_tag() {
  local dir=$GW_STATE_ABS/datasets/$1/tags tmp
  tmp=$dir/.$2.tmp.$GW_RUN_ID.$BASHPID
  mkdir -p -- "$dir" || return 1
  if ! printf '%s' "$3" > "$tmp" || ! mv -T -- "$tmp" "$dir/$2"; then
    rm -f -- "$tmp"
    return 1
  fi
  return 0
}

# gw_json_str TEXT: TEXT as a JSON string in REPLY.
gw_json_str() {
  local s=$1 out='' c i code
  local LC_ALL=C
  for (( i = 0; i < ${#s}; i++ )); do
    c=${s:i:1}
    case $c in
      '"') out+='\"' ;;
      \\) out+="\\\\" ;;
      $'\n') out+='\n' ;;
      $'\t') out+='\t' ;;
      $'\r') out+='\r' ;;
      *)
        printf -v code '%d' "'$c"
        if [ "$code" -ge 0 ] && [ "$code" -lt 32 ]; then printf -v c '\\u%04x' "$code"; fi
        out+=$c ;;
    esac
  done
  REPLY="\"$out\""
}

# gw_model_register SRC NAME TYPE ID JOB: copy a model directory into
# <state>/models/<name>/vN/files with a model.json; the version in REPLY.
gw_model_register() {
  local src=$1 name=$2 type=$3 id=$4 job=$5 dirname root tmp n version f first=1
  dirname=${name//[^A-Za-z0-9._-]/_}
  [[ $dirname == .* ]] && dirname=_${dirname#.}
  root=$GW_STATE_ABS/models/$dirname
  mkdir -p -- "$root/.claims" || return 1
  tmp=$root/.tmp.$GW_RUN_ID.$BASHPID
  rm -rf -- "$tmp"
  mkdir -p -- "$tmp" && cp -R -- "$src" "$tmp/files" || return 1
  while :; do
    gw_next_version "$root"
    n=$REPLY
    mkdir -- "$root/.claims/v$n" 2>/dev/null && break
  done
  version=v$n
  {
    printf '{\n'
    gw_json_str "$name"; printf '  "name": %s,\n' "$REPLY"
    gw_json_str "$type"; printf '  "type": %s,\n' "$REPLY"
    gw_json_str "$id"; printf '  "id": %s,\n' "$REPLY"
    printf '  "version": "%s",\n' "$version"
    gw_json_str "$WF_NAME"; printf '  "workflow": %s,\n' "$REPLY"
    printf '  "run": "%s",\n' "$GW_RUN_ID"
    gw_json_str "$job"; printf '  "step": %s,\n' "$REPLY"
    printf '  "files": ['
    while IFS= read -r -d '' f; do
      gw_json_str "${f#./}"
      if [ "$first" = 1 ]; then printf '\n    %s' "$REPLY"; first=0; else printf ',\n    %s' "$REPLY"; fi
    done < <(cd -- "$src" && find . -type f -print0 | LC_ALL=C sort -z)
    if [ "$first" = 1 ]; then printf ']\n'; else printf '\n  ]\n'; fi
    printf '}\n'
  } > "$tmp/model.json" || return 1
  mv -T -- "$tmp" "$root/$version" || return 1
  REPLY=$version
}

# gw_hash PATH: a content hash of a file (its bytes) or a directory (its paths, file bytes
# and link targets) in REPLY.
gw_hash() {
  local h
  if [ -d "$1" ]; then
    h=$(cd -- "$1" && {
      printf 'dirs\n'; find . -mindepth 1 -type d -print0 | LC_ALL=C sort -z
      printf 'files\n'; find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum --
      printf 'links\n'
      find . -type l -print0 | LC_ALL=C sort -z | while IFS= read -r -d '' f; do
        printf '%s\0%s\0' "$f" "$(readlink -- "$f")"
      done
    } | sha256sum)
  elif [ -e "$1" ]; then
    h=$(sha256sum < "$1")
  else
    h=missing
  fi
  REPLY=${h%% *}
}
