"""Action lowering: each action becomes a `Run` (image, command, args, files, env) and, where a
target may do it natively, an `Op` (DESIGN.md, IR). This happens once, here; targets never
look at action names. A new action is a catalogue entry (grammar/actions.json) plus one
function in LOWERINGS.

User text never becomes code: a script reaches bash as a file (byte for byte), and the values
of git-checkout, s3-download and create-model reach their fixed helper scripts as
environment variables, so no URL, ref or name can inject a command.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .actions_images import ActionImages
from .ir import ContextRef, EnvEntry, IRValue, Mount, Op, Run, SecretRef

#: Where script@v1's script is placed in the container.
SCRIPT_PATH = "/gwfc/script.sh"


@dataclass(frozen=True, slots=True)
class LowerInput:
    """What a lowering reads: the job's parameters (as IR values), its merged env, its mounts,
    and where its single target output is (git-checkout, s3-download)."""

    params: dict[str, object]
    env: tuple[EnvEntry, ...]
    mounts: tuple[Mount, ...]
    dest_output: str = ""
    dest_path: str = ""


GIT_SCRIPT = r"""set -eu
dest="$GWFC_DEST"
mkdir -p "$dest"
if [ -n "${GWFC_GIT_PASSWORD:-}" ]; then
  set -- -c 'credential.helper=!f() { echo "username=${GWFC_GIT_USERNAME:-git}"; echo "password=$GWFC_GIT_PASSWORD"; }; f'
else
  set --
fi
git "$@" clone --quiet -- "$GWFC_GIT_URL" "$dest"
if [ -n "${GWFC_GIT_REF:-}" ]; then
  if ! git -C "$dest" checkout --quiet --detach "$GWFC_GIT_REF" 2>/dev/null; then
    git "$@" -C "$dest" fetch --quiet origin "$GWFC_GIT_REF"
    git -C "$dest" checkout --quiet --detach FETCH_HEAD
  fi
fi
"""

S3_SCRIPT = r"""set -eu
dest="$GWFC_DEST"
mkdir -p "$dest"
set --
if [ -n "${GWFC_S3_ENDPOINT:-}" ]; then set -- --endpoint-url "$GWFC_S3_ENDPOINT"; fi
case "$GWFC_S3_URL" in
  */) aws "$@" s3 cp --recursive --only-show-errors "$GWFC_S3_URL" "$dest/" ;;
  *) aws "$@" s3 cp --only-show-errors "$GWFC_S3_URL" "$dest/" 2>/dev/null \
       || aws "$@" s3 cp --recursive --only-show-errors "$GWFC_S3_URL/" "$dest/" ;;
esac
"""

# The model id is the model name and a content hash of the model directory, so registering
# the same files twice gives the same id. Targets with a model store register the files
# (op register-model); this generic run only computes and writes the id.
MODEL_SCRIPT = r"""set -eu
test -d /inputs/model || { echo "create-model: /inputs/model is missing" >&2; exit 1; }
sum=$(cd /inputs/model && find . -type f | LC_ALL=C sort | while IFS= read -r f; do
  printf '%s\n' "$f"; cat -- "$f"; done | sha256sum | cut -c1-12)
printf '%s' "$GWFC_MODEL_NAME-$sum" > /outputs/model-id
"""


def _str_param(inp: LowerInput, key: str) -> IRValue | None:
    v = inp.params.get(key)
    if isinstance(v, (str, SecretRef, ContextRef)):
        return v
    return None


def _env_extra(pairs: list[tuple[str, IRValue | None]]) -> tuple[EnvEntry, ...]:
    return tuple(EnvEntry(k, v) for k, v in pairs if v is not None)


def lower_container(inp: LowerInput, images: ActionImages) -> tuple[Run, Op | None]:
    """container@v1: image, `command` (the entrypoint) and `args`, as Kubernetes defines them."""
    image = inp.params.get("image")
    command = inp.params.get("command")
    args = inp.params.get("args")
    return Run(
        image=image if isinstance(image, str) else "",
        command=(command,) if isinstance(command, str) else None,
        args=tuple(a for a in args if isinstance(a, str)) if isinstance(args, tuple) else None,
        env=inp.env,
        mounts=inp.mounts,
    ), None


def lower_script(inp: LowerInput, images: ActionImages) -> tuple[Run, Op | None]:
    """script@v1: bash runs the script, placed as a file in the container (never on a command line)."""
    image = inp.params.get("image")
    script = inp.params.get("script")
    return Run(
        image=image if isinstance(image, str) else "",
        command=("bash", SCRIPT_PATH),
        args=None,
        files=((SCRIPT_PATH, script if isinstance(script, str) else ""),),
        env=inp.env,
        mounts=inp.mounts,
        shell="bash",
    ), None


def _dest(inp: LowerInput) -> str:
    return inp.dest_path or f"/outputs/{inp.dest_output}"


def lower_git(inp: LowerInput, images: ActionImages) -> tuple[Run, Op | None]:
    """git-checkout@v1: clone `url` at `ref` into the job's output (or `path`)."""
    url = _str_param(inp, "url")
    ref = _str_param(inp, "ref") or _str_param(inp, "branch")
    user = _str_param(inp, "username")
    password = _str_param(inp, "password")
    env = inp.env + _env_extra([("GWFC_GIT_URL", url), ("GWFC_GIT_REF", ref), ("GWFC_GIT_USERNAME", user),
                                ("GWFC_GIT_PASSWORD", password), ("GWFC_DEST", _dest(inp))])
    op = Op("git-clone", tuple((k, v) for k, v in (("url", url), ("ref", ref), ("username", user),
                                                   ("password", password)) if v is not None),
            inp.dest_output, inp.dest_path)
    return Run(image=images.git, command=("sh", "-c", GIT_SCRIPT), args=None, env=env, mounts=inp.mounts,
               shell="sh"), op


def lower_s3(inp: LowerInput, images: ActionImages) -> tuple[Run, Op | None]:
    """s3-download@v1: copy `url` (with `endpoint`, `region`) into the job's output (or `path`)."""
    url = _str_param(inp, "url")
    key = _str_param(inp, "access-key")
    secret = _str_param(inp, "secret-access-key")
    region = _str_param(inp, "region")
    endpoint = _str_param(inp, "endpoint")
    env = inp.env + _env_extra([("AWS_ACCESS_KEY_ID", key), ("AWS_SECRET_ACCESS_KEY", secret),
                                ("AWS_DEFAULT_REGION", region), ("GWFC_S3_URL", url),
                                ("GWFC_S3_ENDPOINT", endpoint), ("GWFC_DEST", _dest(inp))])
    op = Op("s3-copy", tuple((k, v) for k, v in (("url", url), ("access-key", key), ("secret-access-key", secret),
                                                 ("region", region), ("endpoint", endpoint)) if v is not None),
            inp.dest_output, inp.dest_path)
    return Run(image=images.s3, command=("sh", "-c", S3_SCRIPT), args=None, env=env, mounts=inp.mounts,
               shell="sh"), op


def lower_model(inp: LowerInput, images: ActionImages) -> tuple[Run, Op | None]:
    """create-model@v1: register the `model` dataset; write its id to `model-id`."""
    name = _str_param(inp, "name")
    mtype = _str_param(inp, "type")
    env = inp.env + _env_extra([("GWFC_MODEL_NAME", name), ("GWFC_MODEL_TYPE", mtype)])
    op = Op("register-model", tuple((k, v) for k, v in (("name", name), ("type", mtype)) if v is not None),
            "model-id", "")
    return Run(image=images.model, command=("sh", "-c", MODEL_SCRIPT), args=None, env=env, mounts=inp.mounts,
               shell="sh"), op


LOWERINGS: dict[str, Callable[[LowerInput, ActionImages], tuple[Run, Op | None]]] = {
    "container@v1": lower_container,
    "script@v1": lower_script,
    "git-checkout@v1": lower_git,
    "s3-download@v1": lower_s3,
    "create-model@v1": lower_model,
}
