"""Reading what people type: command-line values checked (and refused in one line naming the option)
before anything is stored or sent.

A bounty's address (the ``BOUNTY`` argument, :data:`BOUNTY`), durations (``30m``), output paths,
hyperparameter configurations (``--hp`` JSON texts or files), a spec template merged with
command-line overrides (:func:`spec_options`), the network a state-changing command needs, and the
one line a command prints for a client error (:func:`error_line`).  Each raises
:class:`~bounty_client.errors.ArgumentError`.
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path
from typing import Any, Iterable, Mapping

import click

from ..errors import ArgumentError
from ..protocol.wire import checksum_address

__all__ = [
    "BOUNTY",
    "DURATION",
    "BountyAddress",
    "Duration",
    "MISSING_DATA_HINT",
    "check_output",
    "error_line",
    "network_error_line",
    "hyperparameter_help",
    "parse_duration",
    "read_candidate",
    "read_candidates",
    "require_lasting_network",
    "spec_options",
]


class BountyAddress(click.ParamType):
    """The ``BOUNTY`` argument: a bounty's address in any case, checked while the command line is parsed, so
    a bad one is a usage error naming the argument and nothing is asked of the chain.  The value is the
    checksummed address; the command opens it with :meth:`bounty_client.chain.Bounty.at` once the network
    is connected (that the address holds a genuine bounty is checked there)."""

    name = "bounty"

    def convert(self, value: Any, param: Any, ctx: Any) -> str:
        try:
            return checksum_address(value, "bounty")
        except ArgumentError:
            self.fail(f"{value!r} is not an Ethereum address (0x and 40 hex digits)", param, ctx)


#: The click type of every ``BOUNTY`` argument.
BOUNTY = BountyAddress()


def hyperparameter_help() -> str:
    """The allowed hyperparameter fields and the chain's limits, for ``--hp`` help texts."""
    from ..protocol.hyperparams import CHAIN_LIMITS as b

    return (f"fields: lstm_layers {b.lstm_layers[0]}-{b.lstm_layers[1]}, lstm_units {b.lstm_units[0]}-"
            f"{b.lstm_units[1]}, dense_layers {b.dense_layers[0]}-{b.dense_layers[1]}, activation "
            f"({'|'.join(b.activations)}), loss ({'|'.join(b.losses)}), dropout {b.dropout[0]}-{b.dropout[1]}, "
            f"learning_rate {b.learning_rate[0]:g}-{b.learning_rate[1]:g} (a spec may narrow these)")


def check_output(path: "str | os.PathLike[str]", option: str = "--out") -> Path:
    """``path`` as a ``Path`` when its folder exists; else :class:`ArgumentError` (checked before any work)."""
    target = Path(path)
    if not target.parent.is_dir():
        raise ArgumentError(f"{option} {path}: folder {target.parent} does not exist")
    if target.is_dir():
        raise ArgumentError(f"{option} {path}: is a folder; give a file name")
    return target


def require_lasting_network(network_given: bool) -> None:
    """Refuse a state-changing command on the throwaway Anvil Ape starts when no ``--network`` was
    given: the node, and everything sent to it, vanishes when the command ends, while secrets and
    stored files would stay behind.  Raises :class:`ArgumentError`."""
    from ape import networks

    if not network_given and networks.provider.network.name == "local":
        raise ArgumentError("no --network: this would run on a throwaway Anvil that stops when the command ends "
                            "(nothing would last); start a node and pass --network http://127.0.0.1:8545")


_DURATION_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: "str | int | float | None") -> "float | None":
    """``"30m"``, ``"2h"``, ``"1d"``, ``"90s"`` or a plain number of seconds -> seconds; ``None`` stays
    ``None``.  Raises :class:`~bounty_client.errors.ArgumentError` naming the value."""
    if text is None or isinstance(text, (int, float)):
        return None if text is None else float(text)
    value = str(text).strip().lower()
    unit = value[-1:] if value[-1:] in _DURATION_UNITS else "s"
    number = value[:-1] if value[-1:] in _DURATION_UNITS else value
    try:
        seconds = float(number) * _DURATION_UNITS[unit]
    except ValueError:
        raise ArgumentError(f"duration {text!r}: use a number of seconds or 90s, 30m, 2h, 1d") from None
    if not 0 < seconds < math.inf:  # also refuses "nan" and "inf", which float() accepts
        raise ArgumentError(f"duration {text!r}: must be positive and finite")
    return seconds


class Duration(click.ParamType):
    """A command-line duration: ``90s``, ``30m``, ``2h``, ``1d`` or a plain number of seconds, converted to
    whole seconds (an ``int``) while the command line is parsed; anything else is a usage error naming the
    option (:func:`parse_duration`'s rule)."""

    name = "duration"

    def convert(self, value: Any, param: Any, ctx: Any) -> int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        try:
            return int(math.ceil(parse_duration(value)))
        except ArgumentError as exc:
            self.fail(str(exc), param, ctx)


#: The click type of every option that asks for a span of time (``--submission-period 1d``).
DURATION = Duration()


#: Appended to "not in the store" errors: how a participant on another machine gets the data.
MISSING_DATA_HINT = ("; get the data from a shared kubo node (--store http://HOST:5001) or import the "
                     "organizer's CAR file (ape run bounty import BOUNTY FILE.car)")

# The client's messages name Python functions (what an API user calls); on the command line the same
# action is a command.  Longest names first (``reveal_test_data`` before ``reveal_test``).
_FUNCTION_COMMANDS = {"reveal_test_data": "reveal-test", "reveal_test": "reveal-test",
                      "post_test_data": "post-test-data", "draw_randomness": "draw-randomness",
                      "post_scores": "post-scores", "claim_shares": "claim"}
_FUNCTION_NAMES = re.compile(r"(?<![\w.])(" + "|".join(_FUNCTION_COMMANDS) + r")(\(\))?(?![\w])")


def _commands_for_functions(text: str) -> str:
    return _FUNCTION_NAMES.sub(lambda m: _FUNCTION_COMMANDS[m.group(1)], text)


def _home_hint() -> str:
    from ..paths import default_home

    return (f" (BOUNTY_HOME is {default_home()}: secrets live in the home the commit or create used; pass --home "
            "DIR or set BOUNTY_HOME if that was another one)")


_SECONDS_LEFT = re.compile(r"\(in (\d+) s\)")


def _people_time(text: str) -> str:
    """``"(in 86399 s)"`` -> ``"(in 23h59m)"``: the one way the commands write a time left."""
    from ..chain.clock import relative_time

    return _SECONDS_LEFT.sub(lambda m: f"({relative_time(int(m.group(1)), 0)})", text)


def error_line(exc: BaseException) -> str:
    """The one line a command prints for a client error: whitespace folded, Python function names replaced by
    the commands that do the same (``reveal_test`` -> ``reveal-test``), seconds left written as people read
    them (``in 23h59m``), with :data:`MISSING_DATA_HINT` when content is missing from the store and the
    home in use when a saved secret is missing."""
    from ..errors import VaultError
    from ..storage.errors import CIDNotFoundError

    text = _people_time(_commands_for_functions(" ".join(str(exc).split())))
    if isinstance(exc, CIDNotFoundError):
        return text + MISSING_DATA_HINT
    if isinstance(exc, VaultError) and "no saved secret" in text:
        return text + _home_hint()
    return text


def network_error_line(exc: BaseException, network: "str | None" = None) -> str:
    """The one line for a network that cannot be used (Ape's ``ProviderError``/``NetworkError``: no node at the
    URL, no URI configured for a named network), saying what to do.  ``network`` is what ``--network`` said."""
    text = " ".join(str(getattr(exc, "message", None) or exc).split()) or type(exc).__name__
    where = f"--network {network}" if network else "the network"
    if "Missing URI" in text or "No URI" in text:
        how = ("give the node's URL instead (--network https://...), or set node.<ecosystem>.<network>.uri in "
               "ape-config.yaml")
    elif "node found" in text.lower() or "connect" in text.lower():
        how = "is the node running? start one with `anvil --port PORT` (after `source ./env.sh`) or fix the URL"
    else:
        how = "see `ape networks list` for the networks Ape knows"
    return f"cannot use {where}: {text.rstrip('.')}; {how}"


def read_candidates(values: Iterable[str]) -> list[dict[str, Any]]:
    """Hyperparameter configurations from JSON texts or JSON files (an object or a list of objects
    each), in order.  Raises :class:`ArgumentError` naming the value: a file that does not exist
    (text that is not JSON-like is taken for a file name), text that is not JSON, an entry that
    is not an object."""
    out: list[dict[str, Any]] = []
    for text in values:
        source = text
        if not text.lstrip().startswith(("{", "[")):  # a file name (JSON text may be too long for one)
            if not Path(text).is_file():
                raise ArgumentError(f"hyperparameters {source[:60]!r}: no such file (and not a JSON object or list)")
            text = Path(text).read_text()
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ArgumentError(f"hyperparameters {source[:60]!r}: not JSON ({exc})") from None
        entries = data if isinstance(data, list) else [data]
        for entry in entries:
            if not isinstance(entry, dict):
                raise ArgumentError(f"hyperparameters {source[:60]!r}: each configuration must be a JSON object "
                                    f"of field: value, got {entry!r:.40}")
        out.extend(entries)
    return out




def read_candidate(value: str) -> dict[str, Any]:
    """Exactly one configuration (:func:`read_candidates` of one value); a list of one is accepted.
    Raises :class:`ArgumentError` for a list of several (a commitment seals one configuration)."""
    found = read_candidates([value])
    if len(found) != 1:
        raise ArgumentError(f"hyperparameters {value[:60]!r}: holds {len(found)} configurations; a commit seals "
                            "exactly one (pick one, e.g. the file `train --save-best` writes)")
    return found[0]




def spec_options(
    template: "str | Path | Mapping[str, Any] | None",
    symbols: Iterable[str],
    *,
    name: "str | None" = None,
    target: "str | None" = None,
    seq_len: "int | None" = None,
    future_period: "int | None" = None,
    epochs: "int | None" = None,
    min_accuracy_bps: "int | None" = None,
) -> dict[str, Any]:
    """Keyword arguments for ``Organizer.prepare`` from a spec template (a JSON file, a mapping or
    ``None`` for the defaults) with the given overrides (``None`` keeps the template's value).

    The template is validated as a spec (raises ``SpecError`` naming the field); its data files,
    if any, are replaced by the ones ``prepare`` stores."""
    import dataclasses

    from ..protocol.spec import BountySpec, DataFile, load_spec
    from ..protocol.terms import PLACEHOLDER_CID

    placeholders = [{"label": f"{s}-USD", "cid": PLACEHOLDER_CID} for s in symbols]
    if template is None:
        base = BountySpec(name=name or "bounty", target=target or "LTC",
                          data_files=tuple(DataFile.from_dict(d) for d in placeholders))
    else:
        data = json.loads(Path(template).read_text()) if isinstance(template, (str, Path)) else dict(template)
        data.setdefault("data_files", placeholders)
        base = load_spec(data)
    protocol = base.protocol if epochs is None else dataclasses.replace(base.protocol, epochs=int(epochs))
    return dict(
        name=name or base.name,
        target=target or base.target,
        description=base.description,
        seq_len=seq_len or base.seq_len,
        future_period=future_period or base.future_period,
        protocol=protocol,
        split=base.split,
        bounds=base.bounds,
        min_accuracy_bps=base.min_accuracy_bps if min_accuracy_bps is None else min_accuracy_bps,
    )
