"""The one exception type of :mod:`bounty_client.data`."""

from __future__ import annotations

from os import PathLike

from ..errors import BountyError

__all__ = ["DataError"]


class DataError(BountyError, ValueError):
    """Price data that cannot be used, with a message that says where and why.

    The message always starts with the source (a file path, a URL or ``"prices"``
    for in-memory frames), then the line / row and column when known, then the
    problem, e.g. ``BTC-USD.csv: line 7, column 'price': 'abc' is not a number``.
    The parts are also available as attributes for programs.
    """

    def __init__(
        self,
        problem: str,
        *,
        source: str | PathLike[str] | None = None,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        self.problem = problem
        self.source = None if source is None else str(source)
        self.line = line
        self.column = column
        where = []
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column {column!r}")
        prefix = f"{self.source}: " if self.source else ""
        location = ", ".join(where)
        super().__init__(f"{prefix}{location + ': ' if location else ''}{problem}")
