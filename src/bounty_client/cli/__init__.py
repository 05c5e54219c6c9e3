"""The cli wing: what people type.

:mod:`.commands` (the ``ape run bounty`` click group: option parsing plus one call each; a ``BOUNTY``
argument is checked as an address while the command line is parsed), :mod:`.inputs` (reading and
checking command-line values) and :mod:`.lifecycle` (the demo story ``ape run lifecycle`` tells).
``from bounty_client.cli import cli`` gives the click group; it is imported on first use, so
importing this package stays cheap.
"""

__all__ = ["cli"]


def __getattr__(name: str):
    if name == "cli":
        from .commands import cli

        return cli
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
