"""Which cyclic-collector passes run inside given functions (for the bulk steps that pause it)."""

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def passes_inside(*functions: tuple[str, str]) -> Iterator[list[tuple[str, int]]]:
    """Within the block, the passes of the collector that began while one of `functions`
    ((file path suffix, function name)) was on the stack, as (function name, generation). A
    pass that begins as a decorated function is entered, before its body runs, is not one."""
    found: list[tuple[str, int]] = []

    def watch(phase: str, info: dict) -> None:
        frame = sys._getframe(1)
        while phase == "start" and frame is not None:
            code = frame.f_code
            if any(code.co_filename.endswith(f) and code.co_name == n for f, n in functions):
                found.append((code.co_name, info["generation"]))
                return
            frame = frame.f_back

    gc.callbacks.append(watch)
    try:
        yield found
    finally:
        gc.callbacks.remove(watch)
