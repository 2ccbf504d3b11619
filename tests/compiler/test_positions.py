"""One broken workflow per code: the code fires at the expected line and column.

Positions are written by hand from the YAML below (1-based lines and columns), so a change in
where a diagnostic points shows up here. Each case: (code, workflow text, [(line, column), …]).
"""

from __future__ import annotations

import pytest

from .helpers import check_text, find, where

JOB = """\
    uses: container@v1
    with:
      image: bash:5
      args: ["echo", "hi"]
"""

CASES: list[tuple[str, str, list[tuple[int, int]]]] = [
    # ---- loading -------------------------------------------------------------------------
    ("GW101", "jobs:\n  a:\n    uses: container@v1\n   with: {image: x}\n", [(4, 4)]),
    ("GW101", "jobs:\n  a: *undefined\n", [(2, 6)]),
    ("GW102", "jobs:\n  a:\n\tuses: container@v1\n", [(3, 1)]),
    ("GW104", "jobs:\n  a:\n" + JOB + "---\njobs: {}\n", [(7, 1)]),
    ("GW105", "jobs:\n  a:\n" + JOB + "    uses: script@v1\n", [(7, 5)]),
    ("GW107", "jobs:\n  a:\n    with: " + "[" * 70 + "]" * 70 + "\n", [(3, 72)]),
    ("GW109", "jobs: &j\n  a: *j\n", [(2, 6)]),
    ("GW112", "# only a comment\n", [(1, 1)]),
    ("GW113", "jobs:\n  a:\n    uses: !custom container@v1\n", [(3, 11)]),
    ("GW114", "jobs:\n  ? [a, b]\n  : {}\n", [(2, 5)]),
    # ---- structure -----------------------------------------------------------------------
    ("GW201", "jobs:\n  a:\n" + JOB + "    need: [b]\n", [(7, 5)]),
    ("GW201", "jobz:\n  a: {}\n", [(1, 1)]),
    ("GW202", "jobs:\n  a:\n    with: {image: bash:5}\n", [(2, 3)]),
    ("GW202", "inputs: {}\n", [(1, 1)]),
    ("GW203", "jobs:\n  a:\n    uses: container@v1\n    with:\n      image: bash:5\n"
              "      args:\n        - bash\n        - - -c\n", [(8, 11)]),
    ("GW203", "jobs:\n  a:\n" + JOB + "    env:\n      N: 5\n", [(8, 10)]),
    ("GW203", "jobs:\n  - a\n", [(2, 3)]),
    ("GW204", "jobs:\n  a:\n" + JOB + "    resources:\n      instance-type: ''\n", [(8, 22)]),
    ("GW205", "jobs:\n  a:\n    runs-on: ubuntu-latest\n" + JOB, [(3, 5)]),
    ("GW206", "name: wf\njobs:\n  a:\n" + JOB, [(1, 1)]),
    ("GW207", "jobs:\n  a:\n    uses: script@v1\n    image: bash:5\n    with: {script: x}\n", [(4, 5)]),
    ("GW208", "jobs:\n  train.model:\n" + JOB, [(2, 3)]),
    ("GW209", "jobs: {}\n", [(1, 7)]),
    ("GW210", "jobs:\n  a:\n" + JOB + "    b:\n      uses: container@v1\n      with: {image: x}\n", [(7, 5)]),
    ("GW211", "jobs:\n  a:\n" + JOB + "    outputs:\n      repo:\n        type: volumes\n", [(9, 15)]),
    ("GW212", "jobs:\n  a:\n" + JOB + "    outputs:\n      d:\n        type: dataset\n        ref: x\n", [(10, 9)]),
    ("GW213", "jobs:\n  a:\n" + JOB + "    outputs:\n      d:\n        type: dataset\n"
              "        with: {ref: a, id: b}\n", [(10, 24)]),
    ("GW214", "jobs:\n  a:\n" + JOB + "    env:\n      MY-VAR: x\n", [(8, 7)]),
    ("GW215", "jobs:\n  a:\n" + JOB + "    resources:\n      container-registries: [r]\n", [(8, 7)]),
    ("GW216", "on:\n  push:\n    branches: [main]\njobs:\n  a:\n" + JOB, [(2, 3)]),
    ("GW216", "'on':\n  github:\n    branches: main\njobs:\n  a:\n" + JOB, [(3, 15)]),
    ("GW217", "on:\n  github:\n    branches:\n      include: [main]\njobs:\n  a:\n" + JOB, [(4, 7)]),
    ("GW218", "jobs:\n  a:\n" + JOB + "context:\n  event: {github: {url: u}}\n", [(7, 1)]),
    ("GW219", "inputs:\n  v:\n    type: volume\njobs:\n  a:\n" + JOB + "    inputs:\n      v: workflow.inputs.v\n", [(3, 11)]),
    ("GW220", "jobs:\n  context:\n" + JOB, [(2, 3)]),
    ("GW221", "jobs:\n  a:\n" + JOB + "    outputs:\n      d:\n        type: dataset\n", [(9, 9)]),
    ("GW221", "jobs:\n  a:\n" + JOB + "    outputs:\n      v:\n        type: volume\n        with: {ref: x}\n", [(10, 15)]),
    ("GW222", "defaults:\n  image: bash:5\njobs:\n  a:\n" + JOB, [(2, 3)]),
    ("GW223", "jobs:\n  a:\n" + JOB + "    env:\n      \"A=B\": x\n      \"x\\ny\": z\n", [(8, 7), (9, 7)]),
    # ---- references ----------------------------------------------------------------------
    # The column points inside the reference: at `.` after outputs (12 + 10).
    ("GW301", "jobs:\n  a:\n" + JOB + "    outputs: {s: {type: string}}\n  b:\n" + JOB
              + "    needs: [a]\n    inputs:\n      x: a.outputs.\n", [(15, 20)]),
    ("GW301", "jobs:\n  a:\n" + JOB + "    env:\n      T: 'secret:'\n", [(8, 18)]),
    ("GW302", "jobs:\n  clone:\n" + JOB + "    outputs:\n      repo: {type: volume}\n  b:\n" + JOB
              + "    needs: [clone]\n    inputs:\n      repo: clon.outputs.repo\n", [(16, 13)]),
    ("GW303", "jobs:\n  a:\n" + JOB + "    outputs:\n      repo: {type: volume}\n  b:\n" + JOB
              + "    needs: [a]\n    inputs:\n      repo: a.outputs.rep\n", [(16, 23)]),
    ("GW304", "jobs:\n  a:\n" + JOB + "    inputs:\n      d: workflow.inputs.data\n", [(8, 26)]),
    ("GW305", "jobs:\n  a:\n" + JOB + "    outputs:\n      r: {type: volume}\n  b:\n" + JOB
              + "    needs: [a]\n    inputs:\n      r: a.outputs.r\n    outputs:\n      o: {type: volume}\n"
              + "  c:\n" + JOB + "    needs: [b]\n    inputs:\n      r: b.inputs.r\n", [(26, 12)]),
    ("GW306", "jobs:\n  a:\n" + JOB + "    outputs:\n      m: {type: volume}\n  b:\n" + JOB
              + "    needs: [a]\n    inputs:\n      m: a.outputs.m.lenet\n", [(16, 22)]),
    ("GW307", "jobs:\n  a:\n" + JOB + "    inputs:\n      repo: https://github.com/a/b.git\n", [(8, 13)]),
    ("GW308", "jobs:\n  a:\n" + JOB + "    inputs:\n      key: secret:API_KEY\n", [(8, 12)]),
    ("GW309", "jobs:\n  a:\n" + JOB + "    outputs:\n      s: {type: string}\n  b:\n" + JOB
              + "    inputs:\n      s: a.outputs.s\n", [(15, 10)]),
    # `${{` inside a `|` block scalar: the column of the `$` on its own line.
    ("GW310", "jobs:\n  a:\n    uses: script@v1\n    with:\n      image: bash:5\n      script: |\n"
              "        echo one\n        echo ${{ secrets.TOKEN }} two\n", [(8, 14)]),
    ("GW310", "jobs:\n  a:\n" + JOB + "    env:\n      T: \"x ${{ env.A }}\"\n", [(8, 13)]),
    ("GW311", "jobs:\n  a:\n    uses: scrip@v1\n    with: {script: x, image: y}\n", [(3, 11)]),
    ("GW312", "jobs:\n  a:\n    uses: git-checkout@v1\n    with:\n      url: https://x/y.git\n"
              "      image: alpine/git\n    outputs:\n      repo: {type: volume}\n", [(6, 7)]),
    ("GW313", "jobs:\n  a:\n    uses: script@v1\n    with:\n      script: echo hi\n", [(4, 5)]),
    ("GW313", "jobs:\n  a:\n    uses: script@v1\n", [(2, 3)]),
    ("GW314", "jobs:\n  a:\n    uses: git-checkout@v1\n    with:\n      url: https://x/y.git\n"
              "      password: hunter2\n    outputs:\n      repo: {type: volume}\n", [(6, 17)]),
    ("GW315", "jobs:\n  a:\n    uses: container@v1\n    with:\n      image: bash:5\n"
              "      args: [echo, 'secret:TOKEN']\n", [(6, 21)]),
    ("GW316", "on:\n  github:\n    branches:\n      only: main\njobs:\n  a:\n    uses: git-checkout@v1\n"
              "    with:\n      url: context.event.github.repo\n    outputs:\n      repo: {type: volume}\n", [(9, 12)]),
    ("GW317", "jobs:\n  a:\n    uses: git-checkout@v1\n    with:\n      url: context.event.github.url\n"
              "    outputs:\n      repo: {type: volume}\n", [(5, 12)]),
    ("GW318", "jobs:\n  a:\n    uses: create-model@v1\n    with: {name: m, type: Tensorflow}\n"
              "    inputs:\n      model: {type: dataset, with: {ref: m}}\n", [(2, 3)]),
    ("GW319", "jobs:\n  a:\n    uses: git-checkout@v1\n    with:\n      url: https://x/y.git\n", [(2, 3)]),
    ("GW319", "jobs:\n  a:\n    uses: git-checkout@v1\n    with:\n      url: https://x/y.git\n"
              "      path: /tmp/x\n    outputs:\n      repo: {type: volume}\n", [(6, 13)]),
    ("GW320", "jobs:\n  a:\n" + JOB + "    outputs:\n      r: {type: volume}\n  b:\n" + JOB
              + "    needs: [a]\n    outputs:\n      r: a.outputs.r\n", [(16, 10)]),
    ("GW321", "jobs:\n  a:\n" + JOB + "    resources:\n      instance-type: P4001\n", [(8, 22)]),
    ("GW322", "jobs:\n  a:\n" + JOB, [(2, 3)]),
    ("GW323", "jobs:\n  a:\n    uses: script@v1\n    with:\n      image: bash:5\n"
              "      script: cat /inputs/data/x.txt\n", [(6, 27)]),
    ("GW324", "jobs:\n  a:\n    uses: script@v1\n    with:\n      image: bash:5\n"
              "      script: |-\n        # writes /outputs/ignored in a comment\n        echo hi > /outputs/result\n",
     [(8, 28)]),
    ("GW325", "jobs:\n  a:\n    uses: script@v1\n    with:\n      image: bash:5\n      script: cat inputs/s\n"
              "    inputs:\n      s: {type: string, with: {value: x}}\n", [(6, 19)]),
    ("GW326", "jobs:\n  a:\n    uses: script@v1\n    with:\n      image: bash:5\n"
              "      script: echo $API_TOKEN\n", [(6, 20)]),
    ("GW327", "jobs:\n  a:\n    uses: git-checkout@v1\n    with:\n      url: https://x/y.git\n"
              "      branch: main\n    outputs:\n      repo: {type: volume}\n", [(6, 7)]),
    ("GW328", "jobs:\n  a:\n    uses: create-model@v1\n    with: {name: m, type: tensorflow}\n"
              "    inputs:\n      model: {type: dataset, with: {ref: m}}\n    outputs:\n      model-id: {type: string}\n",
     [(4, 27)]),
    ("GW329", "jobs:\n  a:\n    uses: create-model@v1\n    with: {name: m, type: TensorRT}\n"
              "    inputs:\n      model: {type: dataset, with: {ref: m}}\n    outputs:\n      model-id: {type: string}\n",
     [(4, 27)]),
    ("GW330", "jobs:\n  clone:\n    uses: git-checkout@v1\n    with: {url: https://x/y.git}\n"
              "    inputs:\n      repo: {type: volume}\n", [(6, 20)]),
    ("GW331", "jobs:\n  a:\n" + JOB + "    inputs:\n      v: {type: volume}\n", [(8, 17)]),
    ("GW338", "jobs:\n  a:\n    uses: container@v1\n    with:\n      image: python:3.11\n"
              "      command: python3 -u\n", [(6, 16)]),
    ("GW332", "jobs:\n  a:\n" + JOB + "    outputs:\n      s: {type: string}\n  b:\n" + JOB
              + "    needs: [a]\n    inputs:\n      s: ' a.outputs.s'\n", [(16, 10)]),
    ("GW333", "jobs:\n  a:\n" + JOB + "    env:\n      T: secret:my.token\n", [(8, 17)]),
    ("GW334", "jobs:\n  a:\n" + JOB + "    inputs:\n      d: {type: dataset, with: {ref: 'my data'}}\n", [(8, 38)]),
    ("GW335", "jobs:\n  a:\n    uses: s3-download@v1\n    with:\n      url: https://bucket/x\n"
              "      access-key: AK\n      secret-access-key: secret:SK\n    outputs:\n      d: {type: volume}\n",
     [(5, 12)]),
    ("GW336", "jobs:\n  a:\n" + JOB + "    outputs:\n      s: {type: string}\n  m:\n    uses: create-model@v1\n"
              "    with: {name: m, type: Custom}\n    needs: [a]\n    inputs:\n      model: a.outputs.s\n"
              "    outputs:\n      model-id: {type: string}\n", [(14, 7)]),
    ("GW337", "jobs:\n  a:\n" + JOB + "    outputs:\n      s: {type: string}\n    inputs:\n      s: a.outputs.s\n",
     [(10, 10)]),
    # ---- graph ---------------------------------------------------------------------------
    ("GW401", "jobs:\n  CloneRepo:\n" + JOB + "  b:\n" + JOB + "    needs: [cloneRepo]\n", [(12, 13)]),
    ("GW402", "jobs:\n  a:\n" + JOB + "    needs: [a]\n", [(7, 13)]),
    ("GW403", "jobs:\n  a:\n" + JOB + "  b:\n" + JOB + "    needs: [a, a]\n", [(12, 16)]),
    ("GW404", "jobs:\n  a:\n" + JOB + "    needs: [b]\n  b:\n" + JOB + "    needs: [a]\n", [(13, 13)]),
    ("GW405", "jobs:\n  a:\n" + JOB + "    outputs:\n      s: {type: string}\n", [(8, 7)]),
    ("GW406", "jobs:\n  a:\n" + JOB + "    outputs:\n      d: {type: dataset, with: {ref: d}}\n  b:\n" + JOB
              + "    outputs:\n      d: {type: dataset, with: {ref: d}}\n", [(15, 38)]),
    ("GW407", "jobs:\n  a:\n" + JOB + "    outputs:\n      repo: {type: volume}\n  b:\n" + JOB
              + "    needs: [a]\n    inputs:\n      repo: a.outputs.repo\n    outputs:\n      repo: {type: volume}\n",
     [(18, 7)]),
    ("GW408", "jobs:\n  a:\n" + JOB + "  b:\n" + JOB + "    needs: a\n", [(12, 12)]),
]


@pytest.mark.parametrize("code,text,positions", CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_code_fires_at_position(code: str, text: str, positions: list[tuple[int, int]]) -> None:
    result = check_text(text, dedent=False)
    found = [where(d) for d in find(result, code)]
    assert found == positions, [(d.code, where(d), d.message) for d in result.diagnostics]
    assert not result.internal


def test_every_front_end_code_has_a_position_case() -> None:
    from gwfc.compiler.codes import RULES

    covered = {c[0] for c in CASES}
    # Codes without a position case: limits exercised in test_loader (file size, job count,
    # reference length, alias expansion, encoding, unreadable), target, config and internal codes.
    elsewhere = {"GW103", "GW106", "GW108", "GW110", "GW111", "GW115", "GW901"}
    front = {r.code for r in RULES if r.code[2] in "1234"}
    assert front - covered - elsewhere == set()
