"""The role commands (``ape run bounty <command>``): the organizer's and participants' actions on any network.

``scripts/bounty.py`` is the thin Ape script that exposes this click group; the group lives in the
package so that it is importable and tested like the rest (every command's help, defaults and
errors), and so that the script holds no logic.

    ape run bounty create   --account ORG --test-mode future --deploy-factory $N
    ape run bounty export   BOUNTY --out bounty.car $N        # hand the public record to participants
    ape run bounty import   BOUNTY bounty.car $N              # ... on their machine, verified
    ape run bounty search   BOUNTY --account ME --trials 30 --commit $N
    ape run bounty advance  BOUNTY --to reveal $N             # local node only
    ape run bounty reveal | draw-randomness | post-test-data | evaluate | post-scores | finalize
    ape run bounty status | leaderboard | list | collect (claim + withdraw) | verify ...

Option parsing plus one call each (the logic is in `bounty_client`: roles, record, chain, protocol;
`bounty_client.cli.inputs` reads the options; BOUNTY is checked as an address while the command line is
parsed, durations such as ``30m`` too).  Arguments and stages are checked before anything is sent; any
`BountyError`, a network that cannot be reached and a transaction the contract refuses print one line
(``Error: ...``, exit status 1, no traceback).  Every command that ends with a result takes ``--json``:
one JSON object on stdout, any other line on stderr.  Ape's INFO lines are hidden unless ``-v INFO``.
"""

import contextlib
import functools
import json
import sys

# Silence TensorFlow/absl/Ray/pydantic start-up noise here and in every worker (see bounty_client.quiet).
from bounty_client.quiet import quiet  # noqa: E402

quiet()

import click
from ape.cli import ConnectedProviderCommand, account_option
from click.core import ParameterSource

# All cheap (no TensorFlow, Ray or Ape at import): `ape run bounty --help` stays fast.
from bounty_client import record, roles
from bounty_client.chain import ADVANCE_TARGETS, Bounty, advance as advance_clock, format_time, format_utc
from bounty_client.cli import inputs
from bounty_client.cli.inputs import BOUNTY, DURATION
from bounty_client.cli.lifecycle import secret_synthetic_prices
from bounty_client.data import read_prices_dir
from bounty_client.errors import ArgumentError, BountyError, ChainError, StageError
from bounty_client.ml.evaluation.result import load_report
from bounty_client.protocol.terms import BountyTerms
from bounty_client.protocol.wire import Outcome, Stage
from bounty_client.record import verify as run_verify
from bounty_client.roles import Vault
from bounty_client.storage import open_store
from bounty_client.storage.atomic import write_atomic

HP_HELP = inputs.hyperparameter_help()
#: Widest line a table is printed with (a terminal of 120 columns shows it unwrapped).
TABLE_WIDTH = 120
#: `create`'s minimum score when neither --min-accuracy nor the template gives one (see its help).
DEFAULT_MIN_ACCURACY = 5500
store_option = click.option("--store", default="local:", show_default=True,
                            help="Content store: 'local:[path]' (this machine; default $BOUNTY_STORE_DIR or "
                                 "$BOUNTY_HOME/ipfs) or a kubo RPC API such as http://127.0.0.1:5001.")
home_option = click.option("--home", default=None, help="Folder of saved secrets  [default: $BOUNTY_HOME]")
json_option = click.option("--json", "as_json", is_flag=True,
                           help="Print one JSON object on stdout instead of text (other lines go to stderr).")


def account(command):
    """Ape's --account option (alias or number; prompts when missing), with a help text."""
    command = account_option()(command)
    command.__click_params__[-1].help = ("Ape account that signs: an alias, or TEST::0..9 on a local node  "
                                         "[default: asks]")
    return command

workers_option = click.option("--workers", type=int, default=1, show_default=True,
                              help="Submissions trained in parallel.")
backend_option = click.option("--backend", type=click.Choice(["auto", "sequential", "processes", "ray"]),
                              default="auto", show_default=True,
                              help="Where trainings run: auto = processes when --workers > 1.")
ray_option = click.option("--ray-address", default=None, help="Ray cluster for --backend ray  [default: local]")


def signed(command):
    """BOUNTY, --account, --store, --home."""
    return click.argument("bounty", type=BOUNTY)(account(store_option(home_option(command))))


def evaluation_options(command):
    return workers_option(backend_option(ray_option(store_option(command))))


# ------------------------------------------------------------------ the group
#: What the running command was given: whether --network was (else Ape's throwaway local node), and its value.
_RUN: dict = {"network_given": True, "network": None}


def _network_argument() -> "str | None":
    """The --network value as typed (for the commands a message suggests), or None."""
    args = sys.argv
    for i, arg in enumerate(args):
        if arg == "--network" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--network="):
            return arg.split("=", 1)[1]
    return None


def _on_throwaway_node() -> bool:
    return not _RUN["network_given"]


def lasting(command):
    """Refuse a state-changing command on the throwaway node Ape starts when no --network is given."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        inputs.require_lasting_network(not _on_throwaway_node())
        return command(*args, **kwargs)

    return wrapper


def _quiet_ape() -> None:
    """Hide Ape's INFO and SUCCESS lines ("Connecting to ...", "Confirmed 0x...") unless the user asked for a
    verbosity (-v/--verbosity): the commands say what they did in their own words."""
    if any(a in ("-v", "--verbosity") or a.startswith("--verbosity=") for a in sys.argv):
        return
    from ape.logging import LogLevel, logger

    logger.set_level(LogLevel.WARNING)


class BountyCommands(click.Group):
    """The group catches the client's errors once: one line on stderr, exit status 1, no traceback.
    A transaction the contract still reverts (a race the client's checks cannot see, e.g. another
    account filling the last slot first) is reported the same way, with the contract's reason; so is a
    network Ape cannot connect to.  An unknown command is named with the closest of ours."""

    def resolve_command(self, ctx, args):
        import difflib

        name = args[0] if args else ""
        if name and not name.startswith("-") and self.get_command(ctx, name) is None:
            close = difflib.get_close_matches(name, self.list_commands(ctx), n=2, cutoff=0.6)
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            # Not Click's "No such command '...'." wording: Ape would replace our hint with its own commands'.
            ctx.fail(f"unknown command {name!r}{hint} (ape run bounty --help lists every command)")
        return super().resolve_command(ctx, args)

    def invoke(self, ctx):
        from ape.exceptions import ApeException, ContractLogicError

        _quiet_ape()
        try:
            return super().invoke(ctx)
        except BountyError as exc:
            line = inputs.error_line(exc)
            if _on_throwaway_node() and isinstance(exc, ChainError) and (
                    "no contract at" in line or "no BountyFactory" in line):
                line = line.replace(" on this network", "") + (
                    " on the throwaway local node Ape started because no --network was given (it holds nothing); "
                    "pass the bounty's network, e.g. --network http://127.0.0.1:8545")
            raise click.ClickException(line) from exc
        except ContractLogicError as exc:
            reason = " ".join(str(getattr(exc, "message", None) or exc).split())
            raise click.ClickException(f"the contract refused the transaction: {reason}") from exc
        except ApeException as exc:  # ProviderError, NetworkError, ...: one line, no 47-line traceback
            raise click.ClickException(inputs.network_error_line(exc, _network_argument())) from exc


def _connected(group, name=None, **kwargs):
    """A command of ``group`` connected to Ape's --network; records whether --network was given (Ape's throwaway
    local node otherwise: :func:`lasting`, and the messages of :class:`BountyCommands`)."""

    def decorate(f):
        @functools.wraps(f)  # ConnectedProviderCommand reads the signature through __wrapped__
        def run(*args, **kw):
            ctx = click.get_current_context()
            _RUN["network_given"] = ctx.get_parameter_source("network") is not ParameterSource.DEFAULT
            _RUN["network"] = _network_argument()
            return f(*args, **kw)

        return group.command(name=name, cls=ConnectedProviderCommand, **kwargs)(run)

    return decorate


def command(name=None, **kwargs):
    """A role command (see :func:`_connected`)."""
    return _connected(cli, name, **kwargs)


@click.group(cls=BountyCommands, short_help="Organizer and participant commands")
def cli():
    """ML Bounty role commands: an organizer escrows a reward for the best LSTM hyperparameters;
    participants commit sealed configurations, reveal them, and the scores decide the payout.
    Every command takes --network (any Ape network; state-changing commands require it)."""


# ------------------------------------------------------------------ output helpers
class Output:
    """Text for people, or (``--json``) one JSON object on stdout with every other line on stderr."""

    def __init__(self, as_json: bool):
        self.as_json = as_json

    def say(self, text: str) -> None:
        click.echo(text, err=self.as_json)

    def table(self, frame, **kwargs) -> None:
        self.say(render(frame, **kwargs))

    def result(self, data) -> None:
        if self.as_json:
            click.echo(json.dumps(data, default=_json_default))

    @contextlib.contextmanager
    def quiet_stdout(self):
        """Lines the library prints while working go to stderr under --json (stdout holds only the JSON)."""
        if not self.as_json:
            yield
            return
        with contextlib.redirect_stdout(sys.stderr):
            yield


def _json_default(value):
    import enum

    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, (set, tuple)):
        return list(value)
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return str(value)


def render(frame, *, index: bool = True, width: int = TABLE_WIDTH) -> str:
    """``frame`` as text no wider than ``width`` columns: long cells are cut (``...``) until it fits."""
    text = frame.to_string(index=index)
    for cut in (48, 42, 32, 24, 16, 12):
        if max((len(line) for line in text.splitlines()), default=0) <= width:
            break
        text = frame.to_string(index=index, max_colwidth=cut)
    return text


def short(address: str) -> str:
    """``0x7099…79C8``: an address in a table that has no room for all of it."""
    address = str(address)
    return address if len(address) < 14 else f"{address[:6]}…{address[-4:]}"


def open_bounty(address: str) -> Bounty:
    """:meth:`Bounty.at` on the connected network (errors explained by :class:`BountyCommands`)."""
    return Bounty.at(address)


def _account_option_for(address: str) -> str:
    """``--account TEST::0`` / ``--account ALIAS`` for an address this machine's Ape knows, else a placeholder."""
    try:
        from ape import accounts

        for i, acct in enumerate(accounts.test_accounts):
            if str(acct.address).lower() == str(address).lower():
                return f"--account TEST::{i}"
        for acct in accounts:
            if str(acct.address).lower() == str(address).lower() and getattr(acct, "alias", None):
                return f"--account {acct.alias}"
    except Exception:  # noqa: BLE001 - a hint only
        pass
    return f"--account ALIAS_OF_{address}"


def _network_suffix() -> str:
    net = _RUN.get("network")
    return f" --network {net}" if net else ""


def _require_not_closed(b: Bounty, action: str) -> None:
    """One line for an action on a settled or cancelled bounty, instead of the stages that would allow it."""
    outcome = b.outcome()
    if outcome is Outcome.CANCELLED:
        raise StageError(f"cannot {action}: bounty {b.address} is already cancelled (nothing is left to {action})")
    if outcome is not Outcome.NONE:
        raise StageError(f"cannot {action}: bounty {b.address} is already finalized (outcome {outcome.name})")


# ------------------------------------------------------------------ organizer
@command(short_help="Open a bounty (stores data + spec, escrows the reward)")
@account
@click.option("--test-mode", type=click.Choice(["future", "sealed"]), default=None,
              help="future: the test part is a window of prices after the reveal deadline (from --market; nobody, "
                   "the organizer included, can know a test label before the reveals end); sealed: a hidden part of "
                   "--data or of synthetic prices, committed at creation (the organizer knows it)  "
                   "[default: sealed with --data or --synthetic-rows, else future]")
@click.option("--market", type=click.Choice(["local", "coinpaprika"]), default="local", show_default=True,
              help="Future mode's price source: 'local' is the offline simulated market in $BOUNTY_HOME/market.json "
                   "(the window's rows derive from the bounty's on-chain randomness), 'coinpaprika' the public API.")
@click.option("--rows", type=click.IntRange(min=30), default=1000, show_default=True,
              help="Public rows per coin: the market's history (future), or synthetic prices (sealed without --data).")
@click.option("--window-rows", type=click.IntRange(min=2), default=200, show_default=True,
              help="Future mode: rows of the test window (5-minute steps from the reveal deadline).")
@click.option("--data", "data_dir", type=click.Path(exists=True, file_okay=False),
              help="Sealed replay: a folder of SYMBOL-USD.csv price files (coinpaprika format, headerless "
                   "timestamp,price,volume_24h,market_cap; e.g. bounty_client.data.write_prices_dir).")
@click.option("--synthetic-rows", type=click.IntRange(min=1), default=None,
              help="Sealed: synthetic prices from a secret seed, N rows per coin (the same as --test-mode sealed "
                   "--rows N).")
@click.option("--spec", "spec_file", type=click.Path(exists=True, dir_okay=False),
              help="JSON spec template (name, target, seq_len, protocol, bounds, ...); data CIDs are filled in.")
@click.option("--name", default=None, help="Bounty name  [default: template's, else 'bounty']")
@click.option("--target", default=None, help="Coin whose direction is predicted  [default: template's, else LTC]")
@click.option("--seq-len", type=int, default=None, help="Time steps per input window  [default: template's, else 10]")
@click.option("--future-period", type=int, default=None, help="Steps ahead predicted  [default: template's, else 3]")
@click.option("--epochs", type=int, default=None, help="Training epochs of the protocol  [default: template's]")
@click.option("--min-accuracy", type=click.IntRange(0, 10_000), default=None,
              help=f"Minimum score to win, basis points  [default: template's, else {DEFAULT_MIN_ACCURACY}: a constant "
                   "guess scores 5000 under balanced accuracy, and seed and sampling noise move a score by a few "
                   "hundred bps (the report's noise_bps); 0 pays the best whatever it scores]")
@click.option("--reward", default="1 ether", show_default=True, help="Escrowed reward (wei, gwei or ether).")
@click.option("--submission-period", type=DURATION, default="1d", show_default=True,
              help="Time to commit: 90s, 30m, 2h, 1d or seconds.")
@click.option("--reveal-period", type=DURATION, default="1d", show_default=True, help="Time to reveal (30m, 2h, 1d).")
@click.option("--evaluation-period", type=DURATION, default=None,
              help="Time to post the test data and scores (30m, 2h, 1d)  [default: 1d; in future mode the test "
                   "window's length plus 1d]")
@click.option("--max-submissions", type=int, default=20, show_default=True,
              help="Cap on commitments: the evaluation window must fit this many worst-case re-trainings (the "
                   "default bounds allow 8 x 1024-unit LSTMs; narrow them with --spec for a larger cap).")
@click.option("--deposit", default=None, help="Deposit per commitment (ether), forfeited to the organizer if never "
                                              "revealed  [default: 1% of the reward, at least 0.001 ether]")
@click.option("--workers", type=int, default=1, show_default=True,
              help="Evaluation workers the organizer will use (the budget check assumes them).")
@click.option("--prize-shares", default="", help="Basis points per rank, e.g. 6000,3000,1000  [default: winner "
                                                 "takes all]")
@click.option("--factory", default=None, help="Factory address  [default: BOUNTY_FACTORY, ape-config.yaml "
                                              "deployments, or the one recorded by --deploy-factory]")
@click.option("--deploy-factory", is_flag=True, help="Deploy a new factory (once per network) and record it in "
                                                     "Ape's deployments, where later commands find it.")
@click.option("--arbiter", default=None,
              help="Who rules on challenged scores: a RerunJury address (ape run bounty jury deploy), or 'none' for "
                   "trusted scores that cannot be challenged  [default: none]")
@click.option("--challenge-period", type=DURATION, default=None,
              help="Time after the evaluation deadline in which anyone may challenge a score (30m, 2h, 1d)  "
                   "[default: 1d with an arbiter]")
@click.option("--resolution-period", type=DURATION, default=None,
              help="Time after the challenge window for the arbiter's rulings (30m, 2h, 1d)  [default: 1d with an "
                   "arbiter]")
@click.option("--challenge-bond", default=None,
              help="What a challenger escrows (ether, or wei/gwei with the unit)  [default: 5% of the reward]")
@click.option("--score-tolerance", type=int, default=None,
              help="Basis points within which a ruling confirms a posted score  [default: the cross-machine "
                   "tolerance of the test part's size]")
@store_option
@home_option
@json_option
@lasting
def create(account, test_mode, market, rows, window_rows, data_dir, synthetic_rows, spec_file, name, target, seq_len,
           future_period, epochs, min_accuracy, reward, submission_period, reveal_period, evaluation_period,
           max_submissions, deposit, workers, prize_shares, factory, deploy_factory, arbiter, challenge_period,
           resolution_period, challenge_bond, score_tolerance, store, home, as_json):
    """Split off a hidden test set (sealed) or name a future window of prices (future), store the public data
    and the spec, and escrow the reward.  Prints a summary of the data (rows, windows per split) and, last,
    one JSON line with the bounty's address."""
    out = Output(as_json)
    if data_dir and synthetic_rows:
        raise click.UsageError("give one price source: --data DIR or --synthetic-rows N, not both")
    if test_mode is None:
        test_mode = "sealed" if data_dir or synthetic_rows else "future"
    if test_mode == "future" and (data_dir or synthetic_rows):
        raise click.UsageError("--test-mode future takes its prices from --market (the window's prices do not exist "
                               "yet); --data and --synthetic-rows are for --test-mode sealed")
    window_s = (window_rows - 1) * 300
    if evaluation_period is None:
        evaluation_period = 86400 + (window_s if test_mode == "future" else 0)
    arbiter = None if arbiter in (None, "none", "") else arbiter
    bounty_terms = BountyTerms(reward=reward, submission_period=submission_period,
                               reveal_period=reveal_period, evaluation_period=evaluation_period,
                               max_submissions=max_submissions, commit_deposit=deposit,
                               prize_shares=prize_shares, arbiter=arbiter, challenge_period=challenge_period,
                               resolution_period=resolution_period, challenge_bond=challenge_bond,
                               score_tolerance=score_tolerance)
    vault = Vault(home)
    organizer = roles.Organizer(account, open_store(store), vault=vault)
    if test_mode == "future":
        from bounty_client.data import CoinpaprikaMarket, LocalMarket

        source = LocalMarket(organizer.market_file) if market == "local" else CoinpaprikaMarket()
        prices = source
        symbols = ["BTC", "ETH", "LTC", "BCH"]
    elif data_dir:
        prices = read_prices_dir(data_dir)
        symbols = list(prices)
        out.say("NOTE: --data is a REPLAY of historical prices: anyone with the same history can see the test "
                "part. Use --test-mode future, or fresh or private data, for a real bounty.")
    else:  # from a secret seed kept in the private store, never a published value
        prices = secret_synthetic_prices(synthetic_rows or rows, organizer.private_store)
        symbols = list(prices)
    options = inputs.spec_options(spec_file, symbols, name=name, target=target, seq_len=seq_len,
                                 future_period=future_period, epochs=epochs, min_accuracy_bps=min_accuracy)
    if min_accuracy is None and spec_file is None:
        options["min_accuracy_bps"] = DEFAULT_MIN_ACCURACY
    if test_mode == "future":
        options.update(symbols=symbols, history_rows=rows, window_rows=window_rows)
    with out.quiet_stdout():
        opened = organizer.open(prices, bounty_terms, factory=factory, deploy_factory=deploy_factory, workers=workers,
                                **options)
    p, b = opened.prepared, opened.bounty
    if p.reused_test_set:
        click.echo("WARNING: this data gives the same hidden test set as an earlier bounty; if that one's test set "
                   "was revealed, everyone knows this one's. Use newer data.", err=True)  # a warning: on stderr
    if test_mode == "future":
        start, end = p.spec.test.window
        out.say(f"prices: {prices!r}, {rows} rows per coin up to the chain's time")
        out.say(f"test part: the future window {format_utc(start)} .. {format_utc(end)} ({window_rows} rows of "
                f"{p.spec.test.interval} s) from the reveal deadline: its prices do not exist yet"
                + ("; the local market derives them from the bounty's randomness, drawn on-chain after the reveals, "
                   "so nobody (the organizer included) can compute a test label before then" if market == "local"
                   else ""))
    else:
        dropped = (f"; {p.dropped_rows} dropped because a timestamp is missing in some coin" if p.dropped_rows
                   else "")
        out.say(f"data: {p.rows} rows per coin{dropped}")
    out.say(p.summary.to_string() if hasattr(p.summary, "to_string") else str(p.summary))
    if opened.deployed:
        out.say(f"deployed factory {opened.factory.address} (recorded for this network)")
    # Nothing about the hidden part (its CID, size or class balance) is printed before reveal-test.
    if test_mode == "sealed":
        out.say(f"spec {p.spec_cid}; the hidden test set stays in the private store until reveal-test "
                f"(secret saved in {vault!r})")
    else:
        out.say(f"spec {p.spec_cid}; after the window closes: post-test-data (on a local node: advance --to test-data)")
    out.say(repr(b.status()))
    result = {"bounty": b.address, "factory": str(opened.factory.address), "spec_cid": p.spec_cid,
              "test_mode": test_mode, "test_window": list(p.spec.test.window) if test_mode == "future" else None}
    if as_json:
        out.result(result)
    else:
        click.echo(json.dumps(result))


@command(short_help="Take the reward back (before the first commit)")
@signed
@json_option
@lasting
def cancel(bounty, account, store, home, as_json):
    """Cancel the bounty and credit the reward and bond back to the organizer; allowed until someone commits."""
    out = Output(as_json)
    b = open_bounty(bounty)
    _require_not_closed(b, "cancel")
    receipt = roles.Organizer(account, open_store(store), vault=Vault(home)).cancel(b)
    lines = record.explain_credits(b, receipt)
    out.say("\n".join([f"cancelled {b.address}", *lines, f"withdraw it with: ape run bounty withdraw {b.address} "
                       f"{_account_option_for(account.address)}{_network_suffix()}"]))
    out.result({"bounty": b.address, "cancelled": True, "credits": lines})


@command(name="draw-randomness", short_help="Fix the evaluation randomness (anyone, once, after the reveals)")
@click.argument("bounty", type=BOUNTY)
@account
@store_option
@json_option
@lasting
def draw_randomness(bounty, account, store, as_json):
    """Anyone, once, from the reveal deadline on: fix the randomness the evaluation seeds (and a local market's
    test window) derive from.  Two transactions: a request, then the draw from the next block's hash."""
    out = Output(as_json)
    b = open_bounty(bounty)
    _require_not_closed(b, "draw the randomness")
    b.draw_randomness(account)
    randomness = b.randomness()
    try:  # the seeds need the spec (k): from the store, when it is there
        seeds = [int(x) for x in record.open_record(b, open_store(store)).evaluation_seeds()]
    except BountyError:
        seeds = None
    out.say(f"randomness 0x{randomness.hex()} drawn on-chain" + (f"; evaluation seeds {seeds}" if seeds else ""))
    out.result({"bounty": b.address, "randomness": "0x" + randomness.hex(), "seeds": seeds})


@command(name="post-test-data", short_help="Post the test data (organizer, after the reveals; future: the window)")
@signed
@json_option
@lasting
def post_test_data(bounty, account, store, home, as_json):
    """Post the test data the scores are computed on; draws the randomness first if nobody has.  Future-window
    mode: once the window has closed (chain time), fetch its rows (plus seq_len context rows) from the spec's
    source, store them and post their CID.  Sealed mode: open the commitment made at creation and publish the
    hidden test set (what reveal-test does)."""
    out = Output(as_json)
    b = open_bounty(bounty)
    _require_not_closed(b, "post the test data")
    content = open_store(store)
    organizer = roles.Organizer(account, content, vault=Vault(home))
    future = bool(int(b.creation().test_data_after))
    if future:
        organizer.post_test_data(b)
    else:
        organizer.reveal_test(b)
    test = record.open_record(b, content).test_data()
    out.say(f"posted the {'test window' if future else 'hidden test set'} {test.cid}; next: ape run bounty evaluate "
            f"{b.address} --out report.json{_network_suffix()}")
    out.result({"bounty": b.address, "test_cid": test.cid, "test_mode": "future" if future else "sealed"})


@command(name="reveal-test", short_help="Reveal the hidden test set (future mode: post the window)")
@signed
@json_option
@lasting
def reveal_test(bounty, account, store, home, as_json):
    """Open the test-set commitment made at creation (after the reveal deadline) and publish the set; draws the
    randomness first if nobody has.  On a future-window bounty this posts the window's rows (post-test-data)."""
    out = Output(as_json)
    b = open_bounty(bounty)
    _require_not_closed(b, "reveal the test set")
    roles.Organizer(account, open_store(store), vault=Vault(home)).reveal_test(b)
    test = record.open_record(b, open_store(store)).test_data()
    out.say(f"revealed test set {test.cid if test else '?'}")
    out.result({"bounty": b.address, "test_cid": test.cid if test else None})


def _leaderboard_view(result) -> "object":
    """The evaluation leaderboard for a terminal: scores in bps (the validation score too), hyperparameters left
    to the report."""
    board = result.leaderboard.copy()
    board["submitter"] = board["submitter"].map(short)
    board["val_bps"] = [None if v != v else int(round(v * 10_000)) for v in board["val_accuracy"]]  # NaN -> None
    keep = ["submission_id", "submitter", "score_bps", "score_se_bps", "noise_bps", "seed_scores", "val_bps",
            "status", "note"]
    return board[keep]


@command(short_help="Re-train revealed submissions and write the report")
@click.argument("bounty", type=BOUNTY)
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="Where to write the JSON report.")
@evaluation_options
@json_option
def evaluate(bounty, out, workers, backend, ray_address, store, as_json):
    """Re-train every revealed submission under the spec's protocol and score it on the revealed
    test set (read-only; the output file's folder is checked before any training).  Scores are in
    basis points (val_bps: the validation score); every column and the hyperparameters are in the report."""
    o = Output(as_json)
    inputs.check_output(out)
    b = open_bounty(bounty)
    with o.quiet_stdout():
        result = record.evaluate_bounty(b, open_store(store), workers=workers, backend=backend,
                                        ray_address=ray_address)
    result.to_json(out)
    o.table(_leaderboard_view(result))
    o.say(f"report written to {out}; post it with: ape run bounty post-scores {b.address} --report {out} "
          f"{_account_option_for(b.organizer())}{_network_suffix()}")
    o.result({"bounty": b.address, "report": str(out), "scores": {str(k): v for k, v in result.scores().items()}})


@command(name="post-scores", short_help="Post a report's scores on-chain")
@click.argument("bounty", type=BOUNTY)
@account
@click.option("--report", type=click.Path(exists=True, dir_okay=False), required=True,
              help="JSON report written by evaluate (refused if made for another bounty).")
@store_option
@json_option
@lasting
def post_scores(bounty, account, report, store, as_json):
    """Store the evaluation report and post its scores with the report's CID (batched)."""
    out = Output(as_json)
    b = open_bounty(bounty)
    posted = roles.Organizer(account, open_store(store)).post_scores(b, load_report(report))
    out.say(f"posted scores in {len(posted.receipts)} transaction(s) with report {posted.report_cid}")
    out.result({"bounty": b.address, "report_cid": posted.report_cid, "transactions": len(posted.receipts)})


@command(short_help="Settle the bounty (organizer, or anyone once expired)")
@click.argument("bounty", type=BOUNTY)
@account
@json_option
@lasting
def finalize(bounty, account, as_json):
    """Credit the prizes (or refund the organizer, or share the reward after abandonment) and say
    who gets what, why, and what each party does next (claim, withdraw)."""
    out = Output(as_json)
    b = open_bounty(bounty)
    _require_not_closed(b, "finalize")
    receipt = roles.Organizer(account, None).finalize(b)
    st = b.status()
    lines = record.explain_credits(b, receipt)
    out.say("\n".join([repr(st), *lines]))
    out.result({"bounty": b.address, "outcome": st.outcome.name, "credits": lines, "next": st.next_steps()})


# ------------------------------------------------------------------ participants
@command(short_help="Download the public data (verified by CID)")
@click.argument("bounty", type=BOUNTY)
@click.argument("directory", type=click.Path(file_okay=False))
@store_option
@json_option
def download(bounty, directory, store, as_json):
    """Write the bounty's price CSVs and spec.json to DIRECTORY, each checked against the chain."""
    out = Output(as_json)
    prices = record.download(open_bounty(bounty), open_store(store), directory)
    out.say(f"wrote {len(prices)} CSV files and spec.json to {directory}")
    out.result({"bounty": bounty, "directory": str(directory), "files": sorted(f"{s}-USD.csv" for s in prices)})


@command(name="export", short_help="Write the bounty's public record to a CAR file")
@click.argument("bounty", type=BOUNTY)
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="CAR file to write.")
@store_option
@json_option
def export_(bounty, out, store, as_json):
    """Write the spec, data, and (once revealed) the test set and reports as one CARv1 file, for
    participants without a shared IPFS node."""
    o = Output(as_json)
    cids = record.export_record(open_bounty(bounty), open_store(store), out)
    o.say(f"wrote {len(cids)} objects to {out}")
    o.result({"bounty": bounty, "car": str(out), "roots": cids})


@command(name="import", short_help="Import a bounty's public record from a CAR file")
@click.argument("bounty", type=BOUNTY)
@click.argument("car", type=click.Path(dir_okay=False))
@store_option
@json_option
def import_(bounty, car, store, as_json):
    """Import a CAR file into the store, verifying every block and that the record is the one the
    chain committed to."""
    from bounty_client.storage.errors import CIDNotFoundError

    out = Output(as_json)
    b = open_bounty(bounty)
    try:
        roots = record.import_record(b, open_store(store), car)
    except CIDNotFoundError as exc:
        raise ArgumentError(f"{car} does not hold the record of {b.address} ({inputs.error_line(exc).split(';')[0]}): "
                            f"it is another bounty's CAR file, or one exported before this part existed; ask the "
                            f"organizer for a fresh one (ape run bounty export {b.address} --out FILE)") from None
    out.say(f"imported {len(roots)} objects; the record of {b.address} is complete and verified")
    out.result({"bounty": b.address, "roots": roots})


def _open_for_participants(b: Bounty, action: str) -> None:
    """A search or training that could still be committed: refuse after the submission deadline."""
    stage = b.stage_at(b.now())
    if stage is not Stage.SUBMISSION:
        deadline = b.deadlines()[0]
        raise StageError(f"cannot {action}: submissions to {b.address} closed {format_time(deadline, b.now())} "
                         f"(stage {stage.name}); nothing found now could be committed")


def _trials_view(result):
    """A search's trials for a terminal: shorter hyperparameter headers, within :data:`TABLE_WIDTH`."""
    board = result.leaderboard.rename(columns={"lstm_layers": "layers", "lstm_units": "units", "dense_layers": "dense",
                                               "learning_rate": "lr", "activation": "act"})
    if len(board):
        board["dropout"] = [None if v is None or v != v else round(float(v), 3) for v in board["dropout"]]
        board["lr"] = [None if v is None or v != v else f"{float(v):.2g}" for v in board["lr"]]
    return board


@command(short_help="Try hyperparameters locally (validation scores)")
@click.argument("bounty", type=BOUNTY)
@click.option("--hp", "hps", multiple=True, required=True, help="JSON object or list, or a JSON file; repeatable. "
                                                                + HP_HELP)
@click.option("--epochs", type=int, default=None, help="Shorter than the protocol, for a quick search  "
                                                       "[default: the spec's]")
@click.option("--save-best", type=click.Path(dir_okay=False), default=None,
              help="Write the best configuration as JSON (for commit --hp).")
@store_option
@json_option
def train(bounty, hps, epochs, save_best, store, as_json):
    """Train each configuration under the bounty's protocol on the public data and rank them by
    validation score in basis points (nothing is sent)."""
    out = Output(as_json)
    if save_best:
        inputs.check_output(save_best, "--save-best")
    candidates = inputs.read_candidates(hps)
    with out.quiet_stdout():
        result = roles.search(open_bounty(bounty), open_store(store), candidates, epochs=epochs, progress="train")
    out.table(_trials_view(result))
    if save_best:
        write_atomic(save_best, json.dumps(result.best.to_dict(), indent=2).encode())
        out.say(f"best configuration written to {save_best}")
    out.result({"bounty": bounty, "best": result.best.to_dict(), "best_val_bps": result.best_value,
                "saved": save_best})


@command(short_help="Search hyperparameters on Optuna (resumable; --commit seals the best)")
@signed
@click.option("--trials", type=click.IntRange(min=1), default=None,
              help="Trials to run now, added to a resumed study's earlier ones (as Optuna's n_trials); the "
                   "submission deadline always stops the search in time to commit  [default: none; give "
                   "--trials and/or --timeout]")
@click.option("--timeout", type=DURATION, default=None,
              help="Start no trial after this long: 90s, 30m, 2h, 1d or seconds  [default: none]")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Trial processes sharing the study.")
@click.option("--seeds", type=click.IntRange(min=1), default=3, show_default=True,
              help="Training seeds averaged per trial.")
@click.option("--folds", type=click.IntRange(min=1), default=3, show_default=True,
              help="Walk-forward validation folds (a future_period gap before each).")
@click.option("--sampler", type=click.Choice(["tpe", "random"]), default="tpe", show_default=True,
              help="Optuna sampler: TPE learns from earlier trials; random is the baseline.")
@click.option("--pruner", type=click.Choice(["median", "none"]), default="median", show_default=True,
              help="Optuna's MedianPruner: once 5 trials have completed, stop a trial after an epoch when its best "
                   "validation score so far is below the median of completed trials at that epoch (newest "
                   "fold first).")
@click.option("--epochs", type=click.IntRange(min=1), default=None,
              help="Epochs per search run  [default: the spec's]")
@click.option("--plots", type=click.Path(file_okay=False), default=None,
              help="Folder for the optimisation-history and parameter-importance PNGs  [default: none]")
@click.option("--commit", "commit_best", is_flag=True,
              help="Re-train the best under the full protocol (finite loss), then commit it; without --trials "
                   "or --timeout the search runs until the deadline margin.")
@json_option
def search(bounty, account, store, home, trials, timeout, workers, seeds, folds, sampler, pruner, epochs, plots,
           commit_best, as_json):
    """Search the spec's hyperparameter space with Optuna (TPE and median pruning by default) on
    walk-forward folds of the public data; the study is saved under $BOUNTY_HOME/studies and a
    later run continues it.  Stops in time to commit before the submission deadline, and refuses to
    start after it."""
    out = Output(as_json)
    if commit_best:
        inputs.require_lasting_network(not _on_throwaway_node())
    if trials is None and timeout is None and not commit_best:
        raise click.UsageError("give --trials N and/or --timeout DURATION")
    b = open_bounty(bounty)
    _open_for_participants(b, "search")
    participant = roles.Participant(account, open_store(store), vault=Vault(home))
    with out.quiet_stdout():
        result = participant.search(b, n_trials=trials, timeout=timeout, sampler=sampler, pruner=pruner, seeds=seeds,
                                    folds=folds, workers=workers, epochs=epochs, commit=commit_best, plots_dir=plots)
    out.say(repr(result).splitlines()[0])  # the summary: trials, best, why it stopped
    out.table(_trials_view(result).head(10))
    if result.submission_id is not None:
        out.say(f"committed the best as submission #{result.submission_id}; reveal it in the reveal stage")
    try:
        best = result.best.to_dict()
    except BountyError:
        best = None
    out.result({"bounty": b.address, "study": result.study.study_name, "trials": len(result.study.trials),
                "best": best, "stopped": str(result.stopped), "submission_id": result.submission_id})


@command(short_help="Commit sealed hyperparameters")
@signed
@click.option("--hp", required=True, help="One JSON object (or a list of one), or a JSON file. " + HP_HELP)
@json_option
@lasting
def commit(bounty, account, store, home, hp, as_json):
    """Seal one configuration with a fresh salt (saved in the vault before sending) and commit it."""
    out = Output(as_json)
    values = inputs.read_candidate(hp)
    vault = Vault(home)
    b = open_bounty(bounty)
    if b.arbiter() is None:
        click.echo("NOTE: this bounty has no arbiter: the organizer's scores are trusted (verify checks them, "
                   "nobody can challenge them)", err=True)
    sid = roles.Participant(account, open_store(store), vault=vault).commit(b, values)
    out.say(f"committed submission #{sid}; salt and values saved in {vault!r}; reveal it from "
            f"{format_time(b.deadlines()[0], b.now())}")
    out.result({"bounty": b.address, "submission_id": sid})


@command(short_help="Reveal every saved commitment of the account")
@signed
@json_option
@lasting
def reveal(bounty, account, store, home, as_json):
    """Reveal the account's saved, unrevealed commitments (in the reveal stage)."""
    out = Output(as_json)
    vault = Vault(home)
    b = open_bounty(bounty)
    participant = roles.Participant(account, open_store(store), vault=vault)
    if b.stage_at(b.now()) is Stage.REVEAL and not participant.pending_reveals(b):
        unrevealed = [i for i, _ in b.commits(submitter=account.address) if b.commitment_of(i) is not None]
        if unrevealed:
            raise ChainError(f"nothing to reveal in {vault!r}: {account.address} has unrevealed commitment(s) "
                             f"{', '.join(f'#{i}' for i in unrevealed)} on {b.address}, but their salts are not in "
                             "this vault; they were saved in the home the commit used: pass --home DIR or set "
                             "BOUNTY_HOME to it (without them the deposits are forfeited)")
    ids = participant.reveal(b)
    out.say(f"revealed submission(s) {', '.join(f'#{i}' for i in ids)}")
    out.result({"bounty": b.address, "revealed": ids})


@command(short_help="Claim deposits (and shares) of your submissions after settlement")
@click.argument("bounty", type=BOUNTY)
@account
@json_option
@lasting
def claim(bounty, account, as_json):
    """After the bounty is finalized, take back what your revealed submissions are owed: each one's
    deposit (unless it scored below the minimum) and, after an abandoned or voided bounty, its
    share. A winner's deposit came with its prize (withdraw)."""
    out = Output(as_json)
    b = open_bounty(bounty)
    total, ids, line = _claim(b, account)
    out.say(line)
    out.result({"bounty": b.address, "claimed_wei": total, "ids": ids})


def _claim(b: Bounty, account) -> "tuple[int, list[int], str]":
    """Claim every id of ``account`` with something left (``ChainError`` when there is none): wei, ids, a line."""
    ids = b.claimable_ids(account)
    total = sum(b.claimable(i) for i in ids)
    roles.Participant(account, None).claim(b)
    which = ", ".join(f"#{i}" for i in ids)
    return total, ids, f"claimed {total / 1e18:g} ETH for submission(s) {which} (paid at once)"


def _withdraw(b: Bounty, account) -> "tuple[int, list[str]]":
    """Withdraw ``account``'s credit (``ChainError`` when there is none): wei, and the lines saying what it is."""
    amount = b.credits(account)
    why = record.explain_credits(b, account=account.address, pending=amount)
    roles.Participant(account, None).withdraw(b)
    return amount, [f"withdrew {amount / 1e18:g} ETH", *why]


@command(short_help="Withdraw the account's credit")
@click.argument("bounty", type=BOUNTY)
@account
@json_option
@lasting
def withdraw(bounty, account, as_json):
    """Pull the account's whole credit, saying what it is made of (the credits since its last withdrawal)."""
    out = Output(as_json)
    b = open_bounty(bounty)
    amount, lines = _withdraw(b, account)
    out.say("\n".join(lines))
    out.result({"bounty": b.address, "withdrawn_wei": amount, "credits": lines[1:]})


@command(short_help="Claim and withdraw whatever the account is owed (after settlement)")
@click.argument("bounty", type=BOUNTY)
@account
@json_option
@lasting
def collect(bounty, account, as_json):
    """After the bounty is finalized: claim what the account's revealed submissions are owed (deposits, and
    shares after an abandonment; paid at once), then withdraw its credit (prize, refund, bond...), whichever
    there is, saying what each is.  Fails in one line only when there is nothing at all."""
    out = Output(as_json)
    b = open_bounty(bounty)
    settled = b.outcome() not in (Outcome.NONE, Outcome.CANCELLED)
    claimable = settled and bool(b.claimable_ids(account))
    if not claimable and not b.credits(account):
        raise ChainError(f"nothing to collect: {account.address} has no deposit or share to claim and no credit in "
                         f"{b.address}" + ("" if settled else f" (outcome {b.outcome().name}: claims open at "
                                                          "finalize)"))
    claimed, ids, lines = (_claim(b, account) if claimable else (0, [], ""))
    lines = [lines] if lines else []
    withdrawn = 0
    if b.credits(account):
        withdrawn, more = _withdraw(b, account)
        lines += more
    out.say("\n".join(lines))
    out.result({"bounty": b.address, "claimed_wei": claimed, "ids": ids, "withdrawn_wei": withdrawn})


# ------------------------------------------------------------------ anyone
@command(name="list", short_help="Bounties created by the factory")
@click.option("--factory", default=None, help="Factory address  [default: as for create]")
@store_option
@json_option
def list_(factory, store, as_json):
    """Every bounty of the factory: name (from its spec, when it is in the store), stage and outcome, reward,
    commitments, the leading submission and the current stage's deadline relative to chain time."""
    out = Output(as_json)
    frame = record.bounty_list(factory, open_store(store))
    if as_json:
        out.result({"bounties": frame.to_dict(orient="records")})
    elif frame.empty:
        click.echo("no bounty yet: open one with `ape run bounty create`")
    else:
        shown = frame.drop(columns=["next_deadline", "organizer", "outcome", "spec_cid", "deadline", "leader_id",
                                    "leader_bps"], errors="ignore")
        shown["name"] = [n if len(n) <= 14 else n[:13] + "…" for n in shown["name"]]
        click.echo(render(shown, index=False))


@command(short_help="Stage, deadlines, counts, ranking and what can happen next")
@click.argument("bounty", type=BOUNTY)
@json_option
def status(bounty, as_json):
    """Stage, test mode, deadlines (UTC and relative to chain time), counts, the ranking by place, every posted
    score, and what can happen next and who may do it."""
    st = open_bounty(bounty).status()
    if as_json:
        click.echo(json.dumps(st.to_dict(), default=_json_default))
    else:
        click.echo(repr(st))


@command(short_help="Posted scores, qualification, prizes and the baseline")
@click.argument("bounty", type=BOUNTY)
@store_option
@json_option
def leaderboard(bounty, store, as_json):
    """Posted scores best first: submitter, score, whether it qualifies, its prize, any dispute, and, unranked
    below them, the score of always predicting the majority class (from the posted report)."""
    b = open_bounty(bounty)
    frame = record.leaderboard(b, open_store(store))
    ranked = frame[frame["submission_id"] != "baseline"]
    if as_json:
        baseline = frame[frame["submission_id"] == "baseline"]["score_bps"].tolist()
        click.echo(json.dumps({"bounty": b.address, "min_accuracy": b.min_accuracy(),
                               "rows": ranked.reset_index().to_dict(orient="records"),
                               "baseline_bps": baseline[0] if baseline else None}, default=_json_default))
    elif ranked.empty:
        st = b.status()
        click.echo(f"no score posted for {b.address} yet (stage {st.stage.name}; {st.revealed_count} revealed)"
                   + ("".join(f"\n  next: {step}" for step in st.next_steps())))
    else:
        click.echo(render(frame))


@command(short_help="Move a local node's clock (local only)")
@click.argument("bounty", type=BOUNTY, required=False)
@click.option("--to", type=click.Choice(sorted([*ADVANCE_TARGETS, "test-data"])), default=None,
              help="Travel to the deadline that opens this stage of BOUNTY (test-data: when its test data is "
                   "accepted, the future window's end).")
@click.option("--seconds", type=DURATION, default=None, help="Travel this long: 90s, 30m, 2h, 1d or seconds.")
@json_option
def advance(bounty, to, seconds, as_json):
    """Move a local development node's time forward and mine a block; refused on live networks."""
    out = Output(as_json)
    b = open_bounty(bounty) if bounty else None
    if to == "test-data":
        if b is None:
            raise ArgumentError("advance --to test-data: needs the bounty whose test window to reach")
        from ape import chain

        target = max(b.deadlines()[1], b.deadlines()[3])
        latest = int(chain.blocks.head.timestamp)
        if target <= latest:
            raise ArgumentError(f"advance --to test-data: already reached ({format_time(target, latest)})")
        ts = advance_clock(b, seconds=target - latest)
    else:
        ts = advance_clock(b, to=to, seconds=seconds)
    first = repr(b.status()).splitlines()[0] if b else ""
    out.say(f"chain time is now {format_utc(ts)}" + (f"; {first}" if b else ""))
    out.result({"chain_time": ts, "stage": b.status().stage.name if b else None})


@command(short_help="Re-compute every posted score and compare (exit 0 ok, 1 mismatch, 3 unverified)")
@click.argument("bounty", type=BOUNTY)
@click.option("--tolerance-bps", type=int, default=None,
              help="Accepted |posted - recomputed| in bps  [default: 0 if the report came from this CPU and "
                   "software, else the cross-machine tolerance]")
@click.option("--market-file", type=click.Path(dir_okay=False), default=None,
              help="A future-window bounty on the offline market: a copy of the organizer's market file to compare "
                   "the posted rows with (ignored for other bounties)  [default: $BOUNTY_HOME/market.json, if there]")
@evaluation_options
@json_option
def verify(bounty, tolerance_bps, market_file, workers, backend, ray_address, store, as_json):
    """Re-run the evaluation from the public record; compare the scores and what they pay.  Exit status 0: every
    check made and passed; 1: a mismatch; 3: unverified, a check the verdict needs could not be made here (a
    future window's rows not compared with their source), with how to make it."""
    out = Output(as_json)
    b = open_bounty(bounty)
    market = None
    if market_file and int(b.creation().test_data_after):  # only a future window compares rows with a source
        from bounty_client.data import LocalMarket

        market = LocalMarket(market_file, create=False)
    with out.quiet_stdout():
        report = run_verify(b, open_store(store), tolerance_bps=tolerance_bps, workers=workers,
                            backend=backend, ray_address=ray_address, market=market)
    out.say(repr(report))
    out.say(report.verdict)
    click.echo(json.dumps(report.to_dict(), default=str))
    if report.exit_code:
        sys.exit(report.exit_code)


# ------------------------------------------------------------------ disputes
@command(short_help="Re-run the evaluation and challenge each score beyond the tolerance")
@click.argument("bounty", type=BOUNTY)
@account
@click.option("--id", "ids", type=int, multiple=True, help="Only these submission ids (repeat the option)  "
                                                           "[default: every difference]")
@evaluation_options
@lasting
def challenge(bounty, account, ids, workers, backend, ray_address, store):
    """Re-compute every revealed submission's score from the public record (as verify does) and challenge
    each score on record the re-run does not confirm within the bounty's score tolerance (and, in
    future-window mode, posted rows that differ from the source).  Each challenge escrows the bounty's
    challenge bond plus the arbiter's fee: back with a reward from the organizer's bond when upheld,
    lost when rejected."""
    b = open_bounty(bounty)
    watcher = roles.Challenger(account, open_store(store), workers=workers, backend=backend)
    for sent in watcher.challenge(b, list(ids) or None):
        click.echo(f"challenged {sent.difference.describe()} (transaction {sent.receipt.txn_hash})")
    click.echo(f"the arbiter rules by {format_time(b.resolution_deadline(), b.now())}; "
               f"follow it with: ape run bounty status {b.address}")


@command(short_help="Watch a bounty through its challenge window and challenge false scores")
@click.argument("bounty", type=BOUNTY)
@account
@click.option("--poll", default="15s", show_default=True, help="How often to look for new scores (90s, 1m, ...).")
@click.option("--once", is_flag=True, help="One pass, then exit.")
@evaluation_options
@lasting
def watch(bounty, account, poll, once, workers, backend, ray_address, store):
    """The one honest party the scores need: re-run the evaluation once the test data is posted, compare
    every score batch as it lands and challenge each difference beyond the tolerance, until the
    challenge window closes (a long-running command; Ctrl-C stops it)."""
    b = open_bounty(bounty)
    watcher = roles.Challenger(account, open_store(store), workers=workers, backend=backend)
    sent = watcher.watch(b, say=click.echo, poll=float(inputs.parse_duration(poll)), once=once)
    click.echo(json.dumps({"bounty": b.address, "challenges": [s.difference.key for s in sent]}))


@command(short_help="Rebuild a ranking a ruling left stale (anyone)")
@click.argument("bounty", type=BOUNTY)
@account
@lasting
def rerank(bounty, account):
    """Replay every posted score batch (checked against the chain) to rebuild the top of the ranking after a
    ruling removed a ranked entry; finalize needs it done."""
    b = open_bounty(bounty)
    receipts = b.rerank(sender=account)
    click.echo(f"ranking rebuilt in {len(receipts)} transaction(s): "
               + (", ".join(f"#{i} {s} bps" for i, s in b.ranking()) or "nobody qualifies"))


@command(short_help="Return an unruled dispute's bond and fee after a fail-safe settlement")
@click.argument("bounty", type=BOUNTY)
@click.argument("key", type=int)
@account
@lasting
def reclaim(bounty, account, key):
    """After the bounty settled with a dispute the arbiter never ruled on (the fail-safe), credit its
    challenger the bond and fee back (anyone may send it); KEY is the submission id (65536: the test data)."""
    b = open_bounty(bounty)
    receipt = b.reclaim(key, sender=account)
    click.echo("\n".join(record.explain_credits(b, receipt)))


@cli.group(cls=BountyCommands, short_help="A RerunJury: deploy, stake, list disputes, vote, resolve")
def jury():
    """The default arbiter: named jurors with a stake re-run a disputed submission, commit a sealed answer,
    reveal it; the median is the ruling.  JURY is the jury's address."""


def jury_command(name=None, **kwargs):
    return _connected(jury, name, **kwargs)


def _jury(address):
    from bounty_client.chain import Jury

    return Jury.at(address)


@jury_command(name="deploy", short_help="Deploy a jury over the factory")
@account
@click.option("--juror", "jurors", multiple=True, required=True, help="A juror's address (repeat: 1..15, odd).")
@click.option("--stake", default="1 ether", show_default=True, help="What each juror stakes.")
@click.option("--fee", default="0.01 ether", show_default=True, help="What each dispute pays the jury.")
@click.option("--commit-period", default="1h", show_default=True, help="Time to commit an answer (1h, 30m, ...).")
@click.option("--reveal-period", default="1h", show_default=True, help="Time to reveal it.")
@click.option("--tolerance-bps", type=int, default=200, show_default=True,
              help="How far from the median an answer may be and still earn the fee.")
@click.option("--slash-bps", type=int, default=2000, show_default=True,
              help="Share of its stake a silent or far-off juror loses per dispute.")
@click.option("--service", default="30d", show_default=True, help="How long the jury takes disputes.")
@click.option("--factory", default=None, help="Factory address  [default: as for create]")
@lasting
def jury_deploy(account, jurors, stake, fee, commit_period, reveal_period, tolerance_bps, slash_bps, service,
                factory):
    """Deploy a RerunJury whose jurors judge the disputes of the factory's bounties that name it."""
    from bounty_client.chain import Factory, Jury, mined_timestamp
    from bounty_client.chain.factory import NO_FACTORY
    from bounty_client.errors import ChainError
    from bounty_client.protocol.wire import parse_ether

    found = Factory.find(factory)
    if found is None:
        raise ChainError(NO_FACTORY)
    deployed = Jury.deploy(found, list(jurors), sender=account, stake=parse_ether(stake), fee=parse_ether(fee),
                           commit_period=inputs.parse_duration(commit_period),
                           reveal_period=inputs.parse_duration(reveal_period), tolerance_bps=tolerance_bps,
                           slash_bps=slash_bps, service_end=mined_timestamp() + inputs.parse_duration(service))
    click.echo(f"deployed RerunJury {deployed.address}: {len(jurors)} juror(s) must each stake "
               f"{parse_ether(stake) / 1e18:g} ETH (ape run bounty jury stake {deployed.address} --account ...); "
               f"name it with create --arbiter {deployed.address}")


@jury_command(name="stake", short_help="Stake as a juror")
@click.argument("jury_address")
@account
@lasting
def jury_stake(jury_address, account):
    """Put up the juror's stake (once)."""
    j = _jury(jury_address)
    j.stake(sender=account)
    click.echo(f"staked {j.stake_required() / 1e18:g} ETH in {j.address}; the jury is "
               + ("active" if j.active() else "waiting for the other jurors' stakes"))


@jury_command(name="list", short_help="The jury's disputes")
@click.argument("jury_address")
@click.option("--open", "open_only", is_flag=True, help="Only disputes not resolved yet.")
def jury_list(jury_address, open_only):
    """Every dispute: bounty, what is disputed, deadlines, state."""
    j = _jury(jury_address)
    found = j.disputes(open_only=open_only)
    from bounty_client.chain import mined_timestamp

    now = mined_timestamp()
    for d in found:
        click.echo(f"{d.describe()}; commit {format_time(d.commit_deadline, now)}, reveal "
                   f"{format_time(d.reveal_deadline, now)}, {d.revealed} revealed")
    if not found:
        click.echo(f"no {'open ' if open_only else ''}dispute in jury {j.address}")


@jury_command(name="vote", short_help="Re-run a disputed submission and commit a sealed answer")
@click.argument("jury_address")
@click.argument("dispute_id", type=int)
@account
@click.option("--answer", type=int, default=None,
              help="Your answer instead of the re-run (bps; 1 or 0 for test data)  [default: re-run it]")
@store_option
@home_option
@lasting
def jury_vote(jury_address, dispute_id, account, answer, store, home):
    """Re-run the disputed submission from the bounty's public record (or compare the posted test rows
    with the source), then commit the answer sealed with a fresh salt, saved in the vault first."""
    juror = roles.Juror(account, open_store(store), _jury(jury_address), vault=Vault(home))
    value, _ = juror.commit(dispute_id, answer)
    click.echo(f"committed a sealed answer in dispute {dispute_id} ({value}); reveal it with: ape run bounty jury "
               f"reveal {jury_address} {dispute_id} --account ... after the commit deadline")


@jury_command(name="reveal", short_help="Reveal your sealed answer")
@click.argument("jury_address")
@click.argument("dispute_id", type=int)
@account
@home_option
@lasting
def jury_reveal(jury_address, dispute_id, account, home):
    """Open the answer saved by `jury vote` (from the commit deadline to the reveal deadline)."""
    value, _ = roles.Juror(account, None, _jury(jury_address), vault=Vault(home)).reveal(dispute_id)
    click.echo(f"revealed {value} in dispute {dispute_id}")


@jury_command(name="resolve", short_help="Send the median to the bounty (anyone)")
@click.argument("jury_address")
@click.argument("dispute_id", type=int)
@account
@lasting
def jury_resolve(jury_address, dispute_id, account):
    """After the reveal deadline (or once every juror revealed): the median of the revealed answers becomes
    the bounty's ruling; the fee goes to the jurors within the tolerance, silent or far-off ones lose stake."""
    j = _jury(jury_address)
    j.resolve(dispute_id, sender=account)
    d = j.dispute(dispute_id)
    click.echo(f"dispute {dispute_id}: " + (f"ruling {d.ruling} sent to {d.bounty}" if d.ruled else
                                            "no ruling (too few answers, or past the bounty's resolution deadline)"))


@jury_command(name="withdraw", short_help="Pull a juror's earned fees")
@click.argument("jury_address")
@account
@lasting
def jury_withdraw(jury_address, account):
    """Pull the fees and slashed stakes this juror earned."""
    j = _jury(jury_address)
    amount = j.credits(account)
    j.withdraw(sender=account)
    click.echo(f"withdrew {amount / 1e18:g} ETH from jury {j.address}")



# ------------------------------------------------------------------ the explorer (issue 22)
@command(short_help="Web pages of every bounty (read-only), or a static export of them")
@store_option
@click.option("--factory", default=None, help="Factory whose bounties are listed  [default: as for create]")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option("--export", "export_dir", type=click.Path(file_okay=False), default=None,
              help="Write the pages as a static site into this new (or empty) folder, add it to the store and "
                   "print its CID, instead of serving  [default: serve]")
@click.option("--bounty", "bounties", multiple=True, help="With --export: only this bounty (repeatable).")
@click.option("--no-verify", is_flag=True, help="Hide the Verify button (no re-training on this machine).")
def explorer(store, factory, host, port, export_dir, bounties, no_verify):
    """Serve the bounty explorer: the list of bounties, each bounty's timeline (challenge window and rulings
    included), terms, files, leaderboard with its plot, challenges, payout, a Verify button, events, submissions
    and addresses. Read-only: no account, no transaction."""
    from bounty_client.explorer import reader

    try:
        if export_dir is not None:
            from bounty_client.explorer.export import export_site

            done = export_site(export_dir, store=reader.open_store(store), factory=factory,
                               bounties=list(bounties) or None)
            for note in done.notes:
                click.echo(f"note: {note}", err=True)
            click.echo(f"exported {done.pages} pages and {done.files} files of {len(done.bounties)} bounties to "
                       f"{done.path} in {done.seconds:.1f} s")
            click.echo(f"site CID {done.cid} (open {done.path}/index.html, or /ipfs/{done.cid}/ on a gateway)")
            return
        if bounties:
            raise click.UsageError("--bounty goes with --export")
        from bounty_client.explorer import create_app, run_server

        app = create_app(store=reader.open_store(store), factory=factory, verify=not no_verify)
        click.echo(f"ML Bounty explorer on http://{host}:{port}/ (Ctrl-C stops it)")
        run_server(app, host=host, port=port)
    except reader.ViewError as exc:
        raise click.ClickException(str(exc)) from exc
