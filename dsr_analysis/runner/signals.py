"""Ctrl-C and SIGTERM during a build: one clean stop, at a point the build chooses.

While a build runs, SIGINT and SIGTERM raise :class:`Stop` in the main thread (SIGINT would
raise KeyboardInterrupt anyway; SIGTERM, as a CI job's time-out sends it, would kill the build
without clean-up). The first signal also makes the process ignore further ones until the build
ends, so the clean-up it starts (stopping the workers, refreshing the index: seconds, bounded)
is not itself cut short. While the build publishes (renames, milliseconds), signals are only
noted (:func:`deferred`), so a signal never leaves half a set published.

Signals are handled in the main thread only; elsewhere (a build started from a thread) these
helpers change nothing.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Stop(KeyboardInterrupt):
    """A signal asked the build to stop; ``signal_number`` says which."""

    def __init__(self, signal_number: int):
        super().__init__(signal_number)
        self.signal_number = signal_number


def _raise_stop(signal_number: int, frame) -> None:
    for number in SIGNALS:
        signal.signal(number, signal.SIG_IGN)
    raise Stop(signal_number)


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


@contextmanager
def stop_on_signals() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM raise :class:`Stop` (once); restored after."""
    if not _main_thread():
        yield
        return
    previous = {number: signal.getsignal(number) for number in SIGNALS}
    for number in SIGNALS:
        signal.signal(number, _raise_stop)
    try:
        yield
    finally:
        _restore(previous)


@dataclass
class Deferred:
    """The signal that arrived while signals were deferred, if any."""

    signal_number: int | None = None


@contextmanager
def deferred() -> Iterator[Deferred]:
    """Within the block, SIGINT and SIGTERM are noted, not acted on; see :class:`Deferred`."""
    noted = Deferred()
    if not _main_thread():
        yield noted
        return

    def note(signal_number: int, frame) -> None:
        noted.signal_number = noted.signal_number or signal_number

    previous = {number: signal.getsignal(number) for number in SIGNALS}
    for number in SIGNALS:
        if previous[number] is not signal.SIG_IGN:
            signal.signal(number, note)
    try:
        yield noted
    finally:
        _restore(previous)


def _restore(handlers: dict) -> None:
    for number, handler in handlers.items():
        # None: a handler not set from Python; the default is the nearest.
        signal.signal(number, signal.SIG_DFL if handler is None else handler)
