"""The cli wing (temporary face while the package is being split)."""


def __getattr__(name):
    if name == "cli":
        from .commands import cli

        return cli
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
