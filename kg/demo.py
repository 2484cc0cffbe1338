"""The demo curriculum shipped inside the package, so a fresh clone has something to import.

``kg/data/demo-curriculum.yaml`` is "Foundations of Programming", an introductory course
written for kgstudio in the native YAML format (``docs/native-format.md``): 8 chapters,
26 sections, 68 concepts with definitions and a prerequisite DAG, 76 learning objectives
and 71 review questions with answers. ``make run`` imports it into ``demo-workspace/``.

>>> demo_curriculum_path().name
'demo-curriculum.yaml'
>>> demo_curriculum_path().is_file()
True
"""
from __future__ import annotations

import atexit
from contextlib import ExitStack
from importlib import resources
from pathlib import Path

DEMO_FILE = "demo-curriculum.yaml"

_extracted = ExitStack()
atexit.register(_extracted.close)


def demo_curriculum_path() -> Path:
    """Path of the demo curriculum YAML file.

    From an ordinary install or a checkout this is the file inside the package; from a
    zipped install it is extracted to a temporary file that lives until the process exits.
    """
    res = resources.files("kg") / "data" / DEMO_FILE
    if isinstance(res, Path):
        return res
    return _extracted.enter_context(resources.as_file(res))
