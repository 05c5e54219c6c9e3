"""`ape run bounty <command>`: the organizer's and participants' actions on any network.

    ape run bounty create  --account ORG --data prices/ --target LTC --reward "1 ether"
    ape run bounty list
    ape run bounty status   BOUNTY
    ape run bounty download BOUNTY DIR
    ape run bounty train    BOUNTY --hp '{"lstm_layers": 1, ...}' [--hp ...]
    ape run bounty commit   BOUNTY --account ME --hp '{...}'
    ape run bounty reveal   BOUNTY --account ME
    ape run bounty reveal-test BOUNTY --account ORG
    ape run bounty evaluate BOUNTY --out report.json [--workers 2 --backend ray --ray-address auto]
    ape run bounty post-scores BOUNTY --account ORG --report report.json
    ape run bounty finalize BOUNTY --account ANY
    ape run bounty withdraw BOUNTY --account ME
    ape run bounty verify   BOUNTY

Every command checks the bounty's stage and its arguments before sending
anything; a wrong stage says which stage the bounty is in and when the right one
opens.  Thin wrappers: the logic is in `bounty_client.roles` / `chain` / `verification`.
"""

import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import click
from ape.cli import ConnectedProviderCommand, account_option

# ------------------------------------------------------------------ shared options
store_option = click.option("--store", default=None, help="Content store URL: 'local:[path]' (default) or a kubo API.")
home_option = click.option("--home", default=None, help="Folder of saved secrets (default $BOUNTY_HOME).")
bounty_arg = click.argument("bounty")


def _errors(fn):
    """Turn the client's precondition errors into a clean message and exit status 1."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        from bounty_client.chain import ChainError

        try:
            return fn(*args, **kwargs)
        except (ChainError, ValueError, FileNotFoundError) as exc:
            raise click.ClickException(str(exc)) from exc

    return wrapper


def _ctx(store, home):
    from bounty_client.storage import open_store
    from bounty_client.vault import Vault

    return open_store(store), Vault(home)


def _bounty(address):
    from bounty_client.chain import Bounty, ChainError
    from ape import chain

    if not chain.provider.get_code(address):
        raise ChainError(f"no contract at {address} on this network")
    return Bounty.at(address)


def _hps(values):
    out = []
    for text in values:
        if os.path.isfile(text):
            text = open(text).read()
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise click.BadParameter(f"--hp: not JSON or a JSON file ({exc})") from exc
        out.extend(data if isinstance(data, list) else [data])
    return out


@click.group(short_help="Organizer and participant commands")
def cli():
    """ML Bounty role commands."""


# ------------------------------------------------------------------ organizer
@cli.command(cls=ConnectedProviderCommand, short_help="Open a bounty (stores data + spec, escrows the reward)")
@account_option()
@click.option("--data", "data_dir", type=click.Path(exists=True, file_okay=False), help="Folder of SYMBOL-USD.csv.")
@click.option("--synthetic-rows", type=int, default=None, help="Use the synthetic generator with this many rows.")
@click.option("--spec", "spec_file", type=click.Path(exists=True, dir_okay=False),
              help="JSON spec template (name, target, seq_len, protocol, bounds, ...); data CIDs are filled in.")
@click.option("--name", default=None)
@click.option("--target", default=None)
@click.option("--seq-len", type=int, default=None)
@click.option("--future-period", type=int, default=None)
@click.option("--epochs", type=int, default=None)
@click.option("--min-accuracy", type=int, default=None, help="Basis points.")
@click.option("--reward", default="1 ether", show_default=True)
@click.option("--submission-period", type=int, default=86400, show_default=True, help="Seconds.")
@click.option("--reveal-period", type=int, default=86400, show_default=True, help="Seconds.")
@click.option("--evaluation-period", type=int, default=86400, show_default=True, help="Seconds.")
@click.option("--max-submissions", type=int, default=1000, show_default=True)
@click.option("--deposit", default="0", show_default=True, help="Commit deposit (ether).")
@click.option("--prize-shares", default="", help="Comma-separated basis points, e.g. 6000,3000,1000.")
@click.option("--factory", default=None, help="Factory address (default: configuration; else deploy one).")
@store_option
@home_option
@_errors
def create(account, data_dir, synthetic_rows, spec_file, name, target, seq_len, future_period, epochs, min_accuracy,
           reward, submission_period, reveal_period, evaluation_period, max_submissions, deposit, prize_shares,
           factory, store, home):
    import dataclasses

    from bounty_client import data
    from bounty_client.chain import deploy_factory, find_factory
    from bounty_client.roles import Organizer
    from bounty_client.spec import BountySpec, DataFile, load_spec

    store_, vault = _ctx(store, home)
    if bool(data_dir) == bool(synthetic_rows):
        raise click.UsageError("give exactly one price source: --data DIR or --synthetic-rows N")
    prices = data.read_prices_dir(data_dir) if data_dir else data.synthetic_prices(rows=synthetic_rows)
    if spec_file:
        with open(spec_file) as fh:
            template = json.load(fh)
        template.setdefault("data_files", [{"label": f"{s}-USD", "cid": "QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH"}
                                           for s in prices])
        base = load_spec(template)
    else:
        base = BountySpec(name=name or "bounty", target=target or "LTC",
                          data_files=tuple(DataFile(label=f"{s}-USD",
                                                    cid="QmbFMke1KXqnYyBBWxB74N4c5SBnJMVAiMNRcGu6x1AwQH")
                                           for s in prices))
    protocol = base.protocol if epochs is None else dataclasses.replace(base.protocol, epochs=epochs)
    try:
        shares = [int(x) for x in prize_shares.split(",") if x.strip()]
    except ValueError:
        raise click.BadParameter(f"--prize-shares: comma-separated integers, got {prize_shares!r}") from None
    organizer = Organizer(account, store_, vault=vault)
    create_args = dict(reward=reward, submission_period=submission_period, reveal_period=reveal_period,
                       evaluation_period=evaluation_period, max_submissions=max_submissions,
                       commit_deposit=deposit, prize_shares=shares)
    organizer.check_create_args(**create_args)  # before anything is stored
    prepared = organizer.prepare(
        prices, name=name or base.name, target=target or base.target, description=base.description,
        seq_len=seq_len or base.seq_len, future_period=future_period or base.future_period,
        protocol=protocol, split=base.split, bounds=base.bounds,
        min_accuracy_bps=base.min_accuracy_bps if min_accuracy is None else min_accuracy,
    )
    organizer.factory = find_factory(factory) or deploy_factory(account)
    bounty = organizer.create(prepared, **create_args)
    click.echo(f"spec {prepared.spec_cid}; hidden test set {prepared.test_cid} (secret saved in {vault!r})")
    click.echo(repr(bounty.status()))
    click.echo(json.dumps({"bounty": bounty.address, "factory": str(organizer.factory.address),
                           "spec_cid": prepared.spec_cid}))


@cli.command(name="reveal-test", cls=ConnectedProviderCommand, short_help="Reveal the hidden test set")
@bounty_arg
@account_option()
@store_option
@home_option
@_errors
def reveal_test(bounty, account, store, home):
    from bounty_client.roles import Organizer

    store_, vault = _ctx(store, home)
    b = _bounty(bounty)
    Organizer(account, store_, vault=vault).reveal_test(b)
    click.echo(f"revealed test set {b.revealed_test_data()[0]}")


@cli.command(cls=ConnectedProviderCommand, short_help="Re-train revealed submissions and write the report")
@bounty_arg
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="Where to write the JSON report.")
@click.option("--workers", type=int, default=1, show_default=True)
@click.option("--backend", type=click.Choice(["auto", "sequential", "processes", "ray"]), default="auto")
@click.option("--ray-address", default=None)
@store_option
@_errors
def evaluate(bounty, out, workers, backend, ray_address, store):
    from bounty_client.roles import Organizer

    store_, _ = _ctx(store, None)
    b = _bounty(bounty)
    result = Organizer(None, store_).evaluate(b, workers=workers, backend=backend, ray_address=ray_address)
    result.to_json(out)
    click.echo(result.leaderboard.to_string())
    click.echo(f"report written to {out}; post it with: ape run bounty post-scores {b.address} --report {out}")


@cli.command(name="post-scores", cls=ConnectedProviderCommand, short_help="Post a report's scores on-chain")
@bounty_arg
@account_option()
@click.option("--report", type=click.Path(exists=True, dir_okay=False), required=True)
@store_option
@_errors
def post_scores(bounty, account, report, store):
    from bounty_client.evaluation import load_report
    from bounty_client.roles import Organizer

    store_, _ = _ctx(store, None)
    b = _bounty(bounty)
    org = Organizer(account, store_)
    receipts = org.post_scores(b, load_report(report))
    click.echo(f"posted scores in {len(receipts)} transaction(s) with report {org.last_report_cid}")


@cli.command(cls=ConnectedProviderCommand, short_help="Settle the bounty (organizer, or anyone once expired)")
@bounty_arg
@account_option()
@_errors
def finalize(bounty, account):
    from bounty_client.roles import Organizer

    b = _bounty(bounty)
    Organizer(account, None).finalize(b)
    click.echo(repr(b.status()))


# ------------------------------------------------------------------ participants
@cli.command(cls=ConnectedProviderCommand, short_help="Download the public data (verified by CID)")
@bounty_arg
@click.argument("directory", type=click.Path(file_okay=False))
@store_option
@_errors
def download(bounty, directory, store):
    from bounty_client.roles import Participant

    store_, _ = _ctx(store, None)
    b = _bounty(bounty)
    p = Participant(None, store_)
    prices = p.download(b, directory)
    spec = p.spec(b)
    from bounty_client.storage.atomic import write_atomic  # exclusive temp file, fsync, rename
    write_atomic(os.path.join(directory, "spec.json"), spec.to_json(indent=2).encode())
    click.echo(f"wrote {len(prices)} CSV files and spec.json to {directory}")


@cli.command(cls=ConnectedProviderCommand, short_help="Try hyperparameters locally (validation scores)")
@bounty_arg
@click.option("--hp", "hps", multiple=True, required=True, help="JSON object/list, or a JSON file.")
@click.option("--epochs", type=int, default=None, help="Shorter than the protocol, for a quick search.")
@store_option
@_errors
def train(bounty, hps, epochs, store):
    from bounty_client.roles import Participant

    store_, _ = _ctx(store, None)
    result = Participant(None, store_).search(_bounty(bounty), _hps(hps), epochs=epochs, progress=True)
    click.echo(result.leaderboard.to_string())


@cli.command(cls=ConnectedProviderCommand, short_help="Commit sealed hyperparameters")
@bounty_arg
@account_option()
@click.option("--hp", required=True, help="JSON object, or a JSON file.")
@store_option
@home_option
@_errors
def commit(bounty, account, hp, store, home):
    from bounty_client.roles import Participant

    store_, vault = _ctx(store, home)
    (values,) = _hps([hp])
    sid = Participant(account, store_, vault=vault).commit(_bounty(bounty), values)
    click.echo(f"committed submission #{sid}; salt and values saved in {vault!r}")


@cli.command(cls=ConnectedProviderCommand, short_help="Reveal every saved commitment of the account")
@bounty_arg
@account_option()
@store_option
@home_option
@_errors
def reveal(bounty, account, store, home):
    from bounty_client.roles import Participant

    store_, vault = _ctx(store, home)
    ids = Participant(account, store_, vault=vault).reveal(_bounty(bounty))
    click.echo(f"revealed submission(s) {', '.join(f'#{i}' for i in ids)}")


@cli.command(cls=ConnectedProviderCommand, short_help="Withdraw the account's credit")
@bounty_arg
@account_option()
@_errors
def withdraw(bounty, account):
    from bounty_client.roles import Participant

    b = _bounty(bounty)
    amount = b.credits(account)
    Participant(account, None).withdraw(b)
    click.echo(f"withdrew {amount / 1e18:g} ETH")


# ------------------------------------------------------------------ anyone
@cli.command(name="list", cls=ConnectedProviderCommand, short_help="Bounties created by the factory")
@click.option("--factory", default=None)
@_errors
def list_(factory):
    from bounty_client.chain import ChainError, find_factory, list_bounties

    f = find_factory(factory)
    if f is None:
        raise ChainError("no factory configured: pass --factory or set BOUNTY_FACTORY")
    click.echo(list_bounties(f).to_string(index=False))


@cli.command(cls=ConnectedProviderCommand, short_help="Stage, deadlines, counts and ranking")
@bounty_arg
@_errors
def status(bounty):
    click.echo(repr(_bounty(bounty).status()))


@cli.command(cls=ConnectedProviderCommand, short_help="Re-compute every posted score and compare")
@bounty_arg
@click.option("--tolerance-bps", type=int, default=None,
              help="Accepted |posted - recomputed| in bps (default: 0 if the report came from this CPU and software, else the cross-machine tolerance).")
@click.option("--workers", type=int, default=1, show_default=True)
@click.option("--backend", type=click.Choice(["auto", "sequential", "processes", "ray"]), default="auto")
@click.option("--ray-address", default=None)
@store_option
@_errors
def verify(bounty, tolerance_bps, workers, backend, ray_address, store):
    from bounty_client.verification import verify as run_verify

    store_, _ = _ctx(store, None)
    report = run_verify(_bounty(bounty), store_, tolerance_bps=tolerance_bps, workers=workers, backend=backend,
                        ray_address=ray_address)
    click.echo(repr(report))
    click.echo(json.dumps(report.to_dict(), default=str))
    if not report.ok:
        sys.exit(1)
