"""The report files a command writes, checked before it runs and written after, by every command.

What a path means and how it is written lives in ``report.output``; this is
the command's side: no two outputs on one target, the text report out of the
way of ``--json -``, and a failed write turned into one line and exit code 1.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

from ..report.output import Output, OutputPathError, OutputWriteError

EXIT_OK = 0
EXIT_FAILED = 1


def checked_outputs(*outputs: Output | None) -> list[Output | None]:
    """Check every output before anything runs; two may not name the same target."""
    given = [o for o in outputs if o is not None]
    for i, output in enumerate(given):
        output.check()
        for other in given[:i]:
            if output.same_target(other):
                raise OutputPathError(f"{other.label} and {output.label} name the same output")
    return list(outputs)


def report_stream(*outputs: Output | None) -> TextIO:
    """Where the text report goes: stdout, or stderr when an output took stdout (``--json -``)."""
    return sys.stderr if any(o is not None and o.is_stdout for o in outputs) else sys.stdout


def write_outputs(payloads: Sequence[tuple[Output | None, object]], code: int) -> int:
    """Write each JSON payload; a failure is one line each, and exit code 1 if it was 0."""
    failed = False
    for output, payload in payloads:
        if output is None:
            continue
        try:
            output.write_json(payload)
        except OutputWriteError as exc:
            print(f"aiway-tui: error: {exc}", file=sys.stderr)
            failed = True
    return EXIT_FAILED if failed and code == EXIT_OK else code
