"""A long replay shared by two processes that take turns writing.

A replay chunk is Python work (decoding events, folding them into rows, preparing the
rows for the driver) followed by database work (inserting, building indexes,
committing). Threads cannot overlap the two: the driver gives up the interpreter lock
for each row it steps and waits for it again every time. Two processes can. The
replay is cut into chunks of whole aggregates up front (:meth:`Replay.spans`); this
process reads, folds and writes the even chunks and a second one the odd chunks, each
folding its next chunk while the other writes. The writes still go strictly in order,
each with the same claim and commit as a replay in one process (projections/replay.py),
so a crash leaves what it leaves there, and nothing is sent between the two but whose
turn it is.

The second process is a new interpreter (``python -m projections.replay_worker``), not a
fork: a forked copy of a process with threads (``taizhang serve``) may inherit a lock
another thread held, and unlike multiprocessing's ``spawn`` it does not run the caller's
main module again.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    import subprocess

    from projections.base import Projection
    from projections.replay import Progress, Replay

# Below this many events a replay stays in one process: starting the other one (a new
# interpreter importing the ledger) costs about a second.
WORKER_FROM = 50_000

# A chunk as the writer takes it: each table's name and rows, prepared for the driver.
Prepared = list[tuple[str, list[tuple[Any, ...]]]]


@dataclass(frozen=True)
class Span:
    """A chunk to come: the aggregates after ``after`` up to ``last``; ``done`` if it is
    the replay's last."""

    after: str | None
    last: str
    done: bool


@dataclass(frozen=True)
class Chunk:
    """A span's aggregates read and folded: how many events, and the rows to write."""

    events: int
    tables: Prepared


class SecondProcessFailed(RuntimeError):
    """The second process stopped with an error (its traceback is the message)."""


class Unavailable(SecondProcessFailed):
    """The second process could not start reading the ledger; nothing was written."""


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def take_turns(
    replay: Replay,
    env: Mapping[str, str],
    projections: Sequence[Projection],
    head: int,
    spans: list[Span],
    progress: Progress | None,
) -> int:
    """Replay ``spans`` with a second process; returns the events read.

    Raises ``Unavailable`` before anything is written when the second process cannot
    read the ledger (the caller replays alone), ``SecondProcessFailed`` when it fails later,
    and ``LostRace`` when another runner claimed a chunk first (in either process).
    """
    import subprocess

    read_end, write_end = os.pipe()
    other = subprocess.Popen(
        # -P: not the current directory first on the path, where a folder of that name
        # could stand in for ours.
        [sys.executable, "-P", "-m", "projections.replay_worker", str(write_end)],
        stdin=subprocess.PIPE,
        pass_fds=(write_end,),
    )
    os.close(write_end)  # the other process holds the only writing end: its exit ends it
    assert other.stdin is not None
    turns: IO[bytes] = other.stdin
    try:
        with os.fdopen(read_end, "rb") as answers, turns:
            _send(turns, (dict(env), list(projections), head, spans))
            return _turns(replay, projections, head, spans, progress, other, turns, answers)
    finally:
        _stop(other)


def _turns(
    replay: Replay,
    projections: Sequence[Projection],
    head: int,
    spans: list[Span],
    progress: Progress | None,
    other: subprocess.Popen[bytes],
    turns: IO[bytes],
    answers: IO[bytes],
) -> int:
    from projections.replay import LostRace

    def answer() -> Any:
        try:
            found = pickle.load(answers)
        except EOFError:
            raise SecondProcessFailed(
                f"the replay's second process stopped (exit code {other.wait()})"
            ) from None
        if isinstance(found, str) and found not in ("ready", "lost"):
            raise SecondProcessFailed(f"the replay's second process failed:\n{found}")
        return found

    def written() -> int:
        """Wait for the other process's chunk: how many events it wrote."""
        found = answer()
        if found == "lost":
            raise LostRace
        return int(found)

    read = 0
    for i, span in enumerate(spans):
        if i % 2:
            continue
        found = replay.chunk_of(projections, head, span)
        if i == 0:
            # Nothing is written (the first chunk empties the tables) until the other
            # process has shown that it reads this ledger.
            try:
                answer()
            except SecondProcessFailed as e:
                raise Unavailable(str(e)) from None
        else:
            read += written()
            _progress(progress, read, head)
        replay.write(projections, found.tables, head, span.after, span.last, span.done)
        read += found.events
        _progress(progress, read, head)
        if i + 1 < len(spans):
            try:
                _send(turns, i + 1)  # the next chunk is the other's to write
            except OSError:
                written()  # it stopped: its own account of why, if it left one
                raise SecondProcessFailed("the replay's second process stopped") from None
    if len(spans) % 2 == 0:
        read += written()
        _progress(progress, read, head)
    return read


def _stop(other: subprocess.Popen[bytes]) -> None:
    """Let the other process end on its own (its standard input is closed: it stops
    before its next turn, after a commit it may be making), then make it."""
    import subprocess

    try:
        other.wait(timeout=30)
    except subprocess.TimeoutExpired:
        other.kill()
        other.wait()


def _progress(progress: Progress | None, read: int, head: int) -> None:
    if progress is not None:
        progress(read, head)


def _send(out: IO[bytes], message: Any) -> None:
    pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
    out.flush()


def odd_chunks(
    env: dict[str, str],
    projections: list[Projection],
    head: int,
    spans: list[Span],
    turns: IO[bytes],
    answers: IO[bytes],
) -> None:
    """The second process's share: each odd chunk, folded ahead and written when the
    first process says it is its turn."""
    from sqlalchemy import func, select

    from ledger.application import Ledger
    from projections.replay import LostRace, Replay

    ledger = Ledger(env={**env, "CREATE_TABLE": "n"})
    try:
        recorder: Any = ledger.recorder
        events = recorder.events_record_cls.__table__
        replay = Replay(recorder.datastore.engine, events, ledger.mapper)
        with replay.engine.connect() as conn:
            top = conn.execute(select(func.max(events.c.id))).scalar() or 0
        if top < head:
            raise RuntimeError(f"it sees the ledger up to event {top}, not {head}")
        _send(answers, "ready")
        for i, span in enumerate(spans):
            if not i % 2:
                continue
            found = replay.chunk_of(projections, head, span)
            turn = pickle.load(turns)
            assert turn == i, f"turn {turn} came for chunk {i}"
            try:
                replay.write(projections, found.tables, head, span.after, span.last, span.done)
            except LostRace:
                _send(answers, "lost")
                return
            _send(answers, found.events)
    finally:
        ledger.close()


def main(answer_fd: int) -> None:
    """The second process: its share and its turns come on standard input; what it
    wrote (or the traceback of what went wrong) goes to ``answer_fd``."""
    import gc
    import traceback

    gc.disable()  # as in the replay itself: many objects, no cycles
    turns = sys.stdin.buffer
    with os.fdopen(answer_fd, "wb") as answers:
        try:
            env, projections, head, spans = pickle.load(turns)
            odd_chunks(env, projections, head, spans, turns, answers)
        except (BrokenPipeError, EOFError):
            pass  # the first process stopped (it lost a race or failed): nothing to say
        except BaseException:
            with contextlib.suppress(OSError):
                _send(answers, traceback.format_exc())


if __name__ == "__main__":
    main(int(sys.argv[1]))
