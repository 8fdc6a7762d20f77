"""`taizhang` with the read models left behind: the ledger's write alone.

    python -m benchmarks.write_only <taizhang arguments>

For bench_plan_import only: the same command as ``python -m cli``, except that a write
does not bring the read models current after it commits. Timed beside the whole
command, it splits a command's time into the ledger's write and the read models'
catch-up. The store it leaves is sound: the next command catches the read models up.
"""

from __future__ import annotations

from cli.app import main
from cli.context import Context


def _left_behind(self: Context) -> None:
    """The read models stay where they were."""


if __name__ == "__main__":
    Context.settle = _left_behind  # type: ignore[method-assign]
    main()
