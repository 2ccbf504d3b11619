"""User text that must reach a container exactly as written (docs/targets/argo.md, "Text").

Two readers stand between the generated file and the container:

* Argo substitutes every `{{ … }}` tag in a template (simple tags and `{{= … }}` expressions),
  several times over (the template, then the whole pod). Argo has no escape for `{{`, so a
  user string that contains `{{` is never written as text: it is carried in base64 (whose
  alphabet has no `{`) and decoded inside the pod by two small fixed scripts, PREPARE_SCRIPT
  (an init container that writes files) and EXEC_SCRIPT (decodes the command line and the
  environment, then execs the real command).
* Kubernetes expands `$(NAME)` and reduces `$$` to `$` in `command`, `args` and env `value`s;
  doubling every `$` (kube_escape) makes it deliver the text unchanged.
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


#: The init container `gwfc-prepare` (helper image, busybox): `--busybox` copies the static
#: busybox for EXEC_SCRIPT; then pairs PATH BASE64 are decoded into files.
PREPARE_SCRIPT = """\
set -eu
if [ "${1:-}" = --busybox ]; then
  mkdir -p /gwfc/bin
  cp /bin/busybox /gwfc/bin/busybox
  shift
fi
while [ "$#" -ge 2 ]; do
  mkdir -p "$(dirname "$1")"
  printf '%s' "$2" | base64 -d > "$1"
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
