"""User text that must reach a container exactly as written (docs/targets/argo.md, "Text").

Two readers stand between the generated file and the container:

* Argo substitutes every `{{ … }}` tag in a template (simple tags and `{{= … }}` expressions),
  several times over (the template, then the whole pod). Argo has no escape for `{{`, so a
  user string that contains `{{` is never written as text: it is carried in base64 (whose
  alphabet has no `{`) and decoded inside the pod by two small fixed scripts, PREPARE_SCRIPT
  (an init container that writes files) and EXEC_SCRIPT (decodes the command line and the
  environment, then execs the real command).
* Kubernetes expands `$(NAME)` and reduces `$$` to `$` in `command`, `args` and env `value`s;
  doubling every `$` (kube_escape) makes it deliver the text unchanged. The same expansion
  reaches every value of a template that Argo's executor reads: Argo hands the resolved
  template (with each `inputs.artifacts[].raw.data`) to its init container in the env variable
  ARGO_TEMPLATE, whose literal value the kubelet expands, unless the template is large enough
  to be moved to a ConfigMap, where nothing is expanded. No escape works for both, so text that
  expansion would change (`expandable`) never travels as `raw.data`: compile-time text goes to
  the prepare container in base64, and run-time values (parameters) are encoded by an Argo
  expression (`b64_expression`) and decoded by the prepare container.
"""

from __future__ import annotations

import base64
import re

#: Where gwfc's own files live in a pod: an emptyDir volume (actions.SCRIPT_PATH lies in it).
GWFC_DIR = "/gwfc"
#: The static busybox that the prepare container copies into the pod for EXEC_SCRIPT.
BUSYBOX = f"{GWFC_DIR}/bin/busybox"


def templated(text: str) -> bool:
    """Whether Argo would read part of `text` as a template tag."""
    return "{{" in text


def expandable(text: str) -> bool:
    """Whether Kubernetes' `$(NAME)` expansion could change `text`: it holds `$$` or `$(`
    (a lone `$`, `$x` and `${x}` are kept as written)."""
    return "$$" in text or "$(" in text


def b64_expression(ref: str) -> str:
    """An Argo expression tag whose value is the base64 of the Argo variable `ref` (written
    in expression syntax, `workflow.parameters['p']`): Argo's templating and Kubernetes'
    expansion see no `{{` and no `$` in what it gives."""
    return "{{=sprig.b64enc(" + ref + ")}}"


def kube_escape(text: str) -> str:
    """Text for `command`, `args` or an env `value` that Kubernetes passes on unchanged."""
    return text.replace("$", "$$")


def b64(text: str) -> str:
    """UTF-8 bytes of `text` in base64 (no `{`, `$` or newline)."""
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def shell_name(name: str) -> bool:
    """Whether EXEC_SCRIPT can export an env variable of this name."""
    return bool(_IDENT.match(name))


#: Where Argo stages run-time values in base64 for the prepare container to decode.
STAGE_DIR = f"{GWFC_DIR}/b64"

#: The init container `gwfc-prepare` (helper image, busybox): `--busybox` copies the static
#: busybox for EXEC_SCRIPT; then pairs PATH DATA: DATA is base64 decoded into the file PATH, or,
#: as `@FILE`, names a file of base64 (a run-time value that Argo's init container, which runs
#: before this one, has staged) decoded into PATH. (`@` is not in the base64 alphabet.)
PREPARE_SCRIPT = """\
set -eu
if [ "${1:-}" = --busybox ]; then
  mkdir -p /gwfc/bin
  cp /bin/busybox /gwfc/bin/busybox
  shift
fi
while [ "$#" -ge 2 ]; do
  mkdir -p "$(dirname "$1")"
  case $2 in
    @*)
      f=${2#@}
      [ -f "$f" ] || { echo "gwfc-prepare: Argo did not stage $f (gwfc needs its init container)" >&2; exit 1; }
      base64 -d < "$f" > "$1" ;;
    *) printf '%s' "$2" | base64 -d > "$1" ;;
  esac
  shift 2
done
"""

#: The main container's command when its command line or env holds `{{`: run by the copied
#: busybox. Arguments: K, then K base64 `NAME=VALUE` env entries, then the base64 argv.
EXEC_SCRIPT = """\
set -eu
b=/gwfc/bin/busybox
k=$1
shift
n=$#
while [ "$n" -gt 0 ]; do
  v=$(printf '%s' "$1" | "$b" base64 -d; printf x)
  shift
  set -- "$@" "${v%x}"
  n=$((n - 1))
done
while [ "$k" -gt 0 ]; do
  export "$1"
  shift
  k=$((k - 1))
done
exec "$@"
"""
