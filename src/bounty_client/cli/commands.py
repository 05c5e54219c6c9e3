"""The role commands (``ape run bounty <command>``): the organizer's and participants' actions on any network.

``scripts/bounty.py`` is the thin Ape script that exposes this click group; the group lives in the
package so that it is importable and tested like the rest (every command's help, defaults and
errors), and so that the script holds no logic.

    ape run bounty create   --account ORG --data prices/ --target LTC --deploy-factory $N
    ape run bounty export   BOUNTY --out bounty.car $N        # hand the public record to participants
    ape run bounty import   BOUNTY bounty.car $N              # ... on their machine, verified
    ape run bounty train    BOUNTY --hp hp.json --save-best best.json $N
    ape run bounty commit   BOUNTY --account ME --hp best.json $N
    ape run bounty advance  BOUNTY --to reveal $N             # local node only
    ape run bounty reveal | reveal-test | evaluate | post-scores | leaderboard | finalize | withdraw ...

Option parsing plus one call each (the logic is in `bounty_client`: roles, record, chain, protocol;
`bounty_client.cli.inputs` reads the options; BOUNTY is checked as an address while the command line is
parsed).  Arguments and stages are checked before anything is sent; any
`BountyError` prints one line and exits 1.
"""

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
from bounty_client.chain import ADVANCE_TARGETS, Bounty, advance as advance_clock, format_time, list_bounties
from bounty_client.cli import inputs
from bounty_client.cli.inputs import BOUNTY
from bounty_client.cli.lifecycle import secret_synthetic_prices
from bounty_client.data import read_prices_dir
from bounty_client.errors import BountyError
from bounty_client.ml.evaluation.result import load_report
from bounty_client.protocol.terms import BountyTerms
from bounty_client.record import verify as run_verify
from bounty_client.roles import Vault
from bounty_client.storage import open_store
from bounty_client.storage.atomic import write_atomic

HP_HELP = inputs.hyperparameter_help()
store_option = click.option("--store", default="local:", show_default=True,
                            help="Content store: 'local:[path]' (this machine; default $BOUNTY_STORE_DIR or "
                                 "$BOUNTY_HOME/ipfs) or a kubo RPC API such as http://127.0.0.1:5001.")
home_option = click.option("--home", default=None, help="Folder of saved secrets  [default: $BOUNTY_HOME]")


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


def lasting(command):
    """Refuse a state-changing command on the throwaway node Ape starts when no --network is given."""
    import functools

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        given = click.get_current_context().get_parameter_source("network") is not ParameterSource.DEFAULT
        inputs.require_lasting_network(given)
        return command(*args, **kwargs)

    return wrapper


class BountyCommands(click.Group):
    """The group catches the client's errors once: one line on stderr, exit status 1, no traceback.
    A transaction the contract still reverts (a race the client's checks cannot see, e.g. another
    account filling the last slot first) is reported the same way, with the contract's reason."""

    def invoke(self, ctx):
        from ape.exceptions import ContractLogicError

        try:
            return super().invoke(ctx)
        except BountyError as exc:
            raise click.ClickException(inputs.error_line(exc)) from exc
        except ContractLogicError as exc:
            reason = " ".join(str(getattr(exc, "message", None) or exc).split())
            raise click.ClickException(f"the contract refused the transaction: {reason}") from exc


def command(name=None, **kwargs):
    return cli.command(name=name, cls=ConnectedProviderCommand, **kwargs)


@click.group(cls=BountyCommands, short_help="Organizer and participant commands")
def cli():
    """ML Bounty role commands: an organizer escrows a reward for the best LSTM hyperparameters;
    participants commit sealed configurations, reveal them, and the scores decide the payout.
    Every command takes --network (any Ape network; state-changing commands require it)."""


# ------------------------------------------------------------------ organizer
@command(short_help="Open a bounty (stores data + spec, escrows the reward)")
@account
@click.option("--data", "data_dir", type=click.Path(exists=True, file_okay=False),
              help="Folder of SYMBOL-USD.csv price files (coinpaprika format).")
@click.option("--synthetic-rows", type=int, default=None, help="Instead of --data: synthetic prices, N rows per coin.")
@click.option("--spec", "spec_file", type=click.Path(exists=True, dir_okay=False),
              help="JSON spec template (name, target, seq_len, protocol, bounds, ...); data CIDs are filled in.")
@click.option("--name", default=None, help="Bounty name  [default: template's, else 'bounty']")
@click.option("--target", default=None, help="Coin whose direction is predicted  [default: template's, else LTC]")
@click.option("--seq-len", type=int, default=None, help="Time steps per input window  [default: template's, else 10]")
@click.option("--future-period", type=int, default=None, help="Steps ahead predicted  [default: template's, else 3]")
@click.option("--epochs", type=int, default=None, help="Training epochs of the protocol  [default: template's]")
@click.option("--min-accuracy", type=int, default=None,
              help="Minimum score to win, basis points  [default: template's, else 5000]")
@click.option("--reward", default="1 ether", show_default=True, help="Escrowed reward (wei, gwei or ether).")
@click.option("--submission-period", type=int, default=86400, show_default=True, help="Seconds to commit.")
@click.option("--reveal-period", type=int, default=86400, show_default=True, help="Seconds to reveal.")
@click.option("--evaluation-period", type=int, default=86400, show_default=True, help="Seconds to post scores.")
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
@click.option("--challenge-period", type=int, default=None,
              help="Seconds after the evaluation deadline in which anyone may challenge a score  [default: 86400 "
                   "with an arbiter]")
@click.option("--resolution-period", type=int, default=None,
              help="Seconds after the challenge window for the arbiter's rulings  [default: 86400 with an arbiter]")
@click.option("--challenge-bond", default=None,
              help="What a challenger escrows (ether, or wei/gwei with the unit)  [default: 5% of the reward]")
@click.option("--score-tolerance", type=int, default=None,
              help="Basis points within which a ruling confirms a posted score  [default: the cross-machine "
                   "tolerance of the test part's size]")
@store_option
@home_option
@lasting
def create(account, data_dir, synthetic_rows, spec_file, name, target, seq_len, future_period, epochs, min_accuracy,
           reward, submission_period, reveal_period, evaluation_period, max_submissions, deposit, workers,
           prize_shares, factory, deploy_factory, arbiter, challenge_period, resolution_period, challenge_bond,
           score_tolerance, store, home):
    """Split off a hidden test set, store the public data and the spec, and escrow the reward.
    Prints a summary of the data (rows, dropped rows, windows per split) and, last, one JSON line."""
    if bool(data_dir) == bool(synthetic_rows):
        raise click.UsageError("give exactly one price source: --data DIR or --synthetic-rows N")
    arbiter = None if arbiter in (None, "none", "") else arbiter
    bounty_terms = BountyTerms(reward=reward, submission_period=submission_period,
                               reveal_period=reveal_period, evaluation_period=evaluation_period,
                               max_submissions=max_submissions, commit_deposit=deposit,
                               prize_shares=prize_shares, arbiter=arbiter, challenge_period=challenge_period,
                               resolution_period=resolution_period, challenge_bond=challenge_bond,
                               score_tolerance=score_tolerance)
    vault = Vault(home)
    organizer = roles.Organizer(account, open_store(store), vault=vault)
    if data_dir:
        prices = read_prices_dir(data_dir)
        click.echo("NOTE: --data is a REPLAY of historical prices: anyone with the same history can see the "
                   "test part. Use fresh or private data for a real bounty.", err=True)
    else:  # from a secret seed kept in the private store, never a published value
        prices = secret_synthetic_prices(synthetic_rows, organizer.private_store)
    options = inputs.spec_options(spec_file, prices, name=name, target=target, seq_len=seq_len,
                                 future_period=future_period, epochs=epochs, min_accuracy_bps=min_accuracy)
    opened = organizer.open(prices, bounty_terms, factory=factory, deploy_factory=deploy_factory, workers=workers,
                            **options)
    p = opened.prepared
    if p.reused_test_set:
        click.echo("WARNING: this data gives the same hidden test set as an earlier bounty; if that one's test "
                   "set was revealed, everyone knows this one's. Use newer data.", err=True)
    click.echo(f"data: {p.rows} rows, {p.dropped_rows} dropped (timestamps missing in some coin)")
    click.echo(p.summary.to_string() if hasattr(p.summary, "to_string") else str(p.summary))
    if opened.deployed:
        click.echo(f"deployed factory {opened.factory.address} (recorded for this network)")
    # Nothing about the hidden part (its CID, size or class balance) is printed before reveal-test.
    click.echo(f"spec {p.spec_cid}; the hidden test set stays in the private store until reveal-test "
               f"(secret saved in {vault!r})")
    click.echo(repr(opened.bounty.status()))
    click.echo(json.dumps({"bounty": opened.bounty.address, "factory": str(opened.factory.address),
                           "spec_cid": p.spec_cid}))


@command(short_help="Take the reward back (before the first commit)")
@signed
@lasting
def cancel(bounty, account, store, home):
    """Cancel the bounty and credit the reward back to the organizer; allowed until someone commits."""
    b = Bounty.at(bounty)
    receipt = roles.Organizer(account, open_store(store), vault=Vault(home)).cancel(b)
    click.echo("\n".join([f"cancelled {b.address}", *record.explain_credits(b, receipt)]))


@command(name="reveal-test", short_help="Reveal the hidden test set")
@signed
@lasting
def reveal_test(bounty, account, store, home):
    """Open the test-set commitment made at creation (after the reveal deadline) and publish the set."""
    b = Bounty.at(bounty)
    roles.Organizer(account, open_store(store), vault=Vault(home)).reveal_test(b)
    click.echo(f"revealed test set {b.revealed_test_data()[0]}")


@command(short_help="Re-train revealed submissions and write the report")
@click.argument("bounty", type=BOUNTY)
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="Where to write the JSON report.")
@evaluation_options
def evaluate(bounty, out, workers, backend, ray_address, store):
    """Re-train every revealed submission under the spec's protocol and score it on the revealed
    test set (read-only; the output file's folder is checked before any training)."""
    inputs.check_output(out)
    b = Bounty.at(bounty)
    result = record.evaluate_bounty(b, open_store(store), workers=workers, backend=backend, ray_address=ray_address)
    result.to_json(out)
    click.echo(result.leaderboard.to_string())
    click.echo(f"report written to {out}; post it with: ape run bounty post-scores {b.address} --report {out}")


@command(name="post-scores", short_help="Post a report's scores on-chain")
@click.argument("bounty", type=BOUNTY)
@account
@click.option("--report", type=click.Path(exists=True, dir_okay=False), required=True,
              help="JSON report written by evaluate (refused if made for another bounty).")
@store_option
@lasting
def post_scores(bounty, account, report, store):
    """Store the evaluation report and post its scores with the report's CID (batched)."""
    posted = roles.Organizer(account, open_store(store)).post_scores(Bounty.at(bounty), load_report(report))
    click.echo(f"posted scores in {len(posted.receipts)} transaction(s) with report {posted.report_cid}")


@command(short_help="Settle the bounty (organizer, or anyone once expired)")
@click.argument("bounty", type=BOUNTY)
@account
@lasting
def finalize(bounty, account):
    """Credit the prizes (or refund the organizer, or share the reward after abandonment) and say
    who gets what and why."""
    b = Bounty.at(bounty)
    receipt = roles.Organizer(account, None).finalize(b)
    click.echo("\n".join([repr(b.status()), *record.explain_credits(b, receipt)]))


# ------------------------------------------------------------------ participants
@command(short_help="Download the public data (verified by CID)")
@click.argument("bounty", type=BOUNTY)
@click.argument("directory", type=click.Path(file_okay=False))
@store_option
def download(bounty, directory, store):
    """Write the bounty's price CSVs and spec.json to DIRECTORY, each checked against the chain."""
    prices = record.download(Bounty.at(bounty), open_store(store), directory)
    click.echo(f"wrote {len(prices)} CSV files and spec.json to {directory}")


@command(name="export", short_help="Write the bounty's public record to a CAR file")
@click.argument("bounty", type=BOUNTY)
@click.option("--out", type=click.Path(dir_okay=False), required=True, help="CAR file to write.")
@store_option
def export_(bounty, out, store):
    """Write the spec, data, and (once revealed) the test set and reports as one CARv1 file, for
    participants without a shared IPFS node."""
    cids = record.export_record(Bounty.at(bounty), open_store(store), out)
    click.echo(f"wrote {len(cids)} objects to {out}")


@command(name="import", short_help="Import a bounty's public record from a CAR file")
@click.argument("bounty", type=BOUNTY)
@click.argument("car", type=click.Path(dir_okay=False))
@store_option
def import_(bounty, car, store):
    """Import a CAR file into the store, verifying every block and that the record is the one the
    chain committed to."""
    roots = record.import_record(Bounty.at(bounty), open_store(store), car)
    click.echo(f"imported {len(roots)} objects; the record of {bounty} is complete and verified")


@command(short_help="Try hyperparameters locally (validation scores)")
@click.argument("bounty", type=BOUNTY)
@click.option("--hp", "hps", multiple=True, required=True, help="JSON object or list, or a JSON file; repeatable. "
                                                                + HP_HELP)
@click.option("--epochs", type=int, default=None, help="Shorter than the protocol, for a quick search  "
                                                       "[default: the spec's]")
@click.option("--save-best", type=click.Path(dir_okay=False), default=None,
              help="Write the best configuration as JSON (for commit --hp).")
@store_option
def train(bounty, hps, epochs, save_best, store):
    """Train each configuration under the bounty's protocol on the public data and rank them by
    validation score (nothing is sent)."""
    if save_best:
        inputs.check_output(save_best, "--save-best")
    candidates = inputs.read_candidates(hps)
    result = roles.search(Bounty.at(bounty), open_store(store), candidates, epochs=epochs, progress=True)
    click.echo(result.leaderboard.to_string())
    if save_best:
        write_atomic(save_best, json.dumps(result.best.to_dict(), indent=2).encode())
        click.echo(f"best configuration written to {save_best}")


@command(short_help="Search hyperparameters on Optuna (resumable; --commit seals the best)")
@signed
@click.option("--trials", type=click.IntRange(min=1), default=None,
              help="Trials to run now, added to a resumed study's earlier ones (as Optuna's n_trials); the "
                   "submission deadline always stops the search in time to commit  [default: none; give "
                   "--trials and/or --timeout]")
@click.option("--timeout", default=None, help="Start no trial after this long: 90s, 30m, 2h, 1d or seconds  "
                                             "[default: none]")
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
def search(bounty, account, store, home, trials, timeout, workers, seeds, folds, sampler, pruner, epochs, plots,
           commit_best):
    """Search the spec's hyperparameter space with Optuna (TPE and median pruning by default) on
    walk-forward folds of the public data; the study is saved under $BOUNTY_HOME/studies and a
    later run continues it.  Stops in time to commit before the submission deadline."""
    if commit_best:
        inputs.require_lasting_network(click.get_current_context().get_parameter_source("network")
                                   is not ParameterSource.DEFAULT)
    if trials is None and timeout is None and not commit_best:
        raise click.UsageError("give --trials N and/or --timeout DURATION")
    timeout_s = inputs.parse_duration(timeout)  # a malformed duration fails before the chain is asked
    participant = roles.Participant(account, open_store(store), vault=Vault(home))
    result = participant.search(Bounty.at(bounty), n_trials=trials, timeout=timeout_s,
                                sampler=sampler, pruner=pruner, seeds=seeds,
                                folds=folds, workers=workers, epochs=epochs, commit=commit_best, plots_dir=plots)
    click.echo(repr(result))
    if result.submission_id is not None:
        click.echo(f"committed the best as submission #{result.submission_id}; reveal it in the reveal stage")


@command(short_help="Commit sealed hyperparameters")
@signed
@click.option("--hp", required=True, help="One JSON object (or a list of one), or a JSON file. " + HP_HELP)
@lasting
def commit(bounty, account, store, home, hp):
    """Seal one configuration with a fresh salt (saved in the vault before sending) and commit it."""
    values = inputs.read_candidate(hp)
    vault = Vault(home)
    b = Bounty.at(bounty)
    if b.arbiter() is None:
        click.echo("NOTE: this bounty has no arbiter: the organizer's scores are trusted (verify checks them, "
                   "nobody can challenge them)", err=True)
    sid = roles.Participant(account, open_store(store), vault=vault).commit(b, values)
    click.echo(f"committed submission #{sid}; salt and values saved in {vault!r}")


@command(short_help="Reveal every saved commitment of the account")
@signed
@lasting
def reveal(bounty, account, store, home):
    """Reveal the account's saved, unrevealed commitments (in the reveal stage)."""
    ids = roles.Participant(account, open_store(store), vault=Vault(home)).reveal(Bounty.at(bounty))
    click.echo(f"revealed submission(s) {', '.join(f'#{i}' for i in ids)}")


@command(short_help="Claim deposits (and shares) of your submissions after settlement")
@click.argument("bounty", type=BOUNTY)
@account
@lasting
def claim(bounty, account):
    """After the bounty is finalized, take back what your revealed submissions are owed: each one's
    deposit (unless it scored below the minimum) and, after an abandoned or voided bounty, its
    share. A winner's deposit came with its prize (withdraw)."""
    b = Bounty.at(bounty)
    ids = b.claimable_ids(account)
    total = sum(b.claimable(i) for i in ids)
    roles.Participant(account, None).claim(b)
    click.echo(f"claimed {total / 1e18:g} ETH for submission(s) {', '.join(f'#{i}' for i in ids)} (paid at once)")


@command(short_help="Withdraw the account's credit")
@click.argument("bounty", type=BOUNTY)
@account
@lasting
def withdraw(bounty, account):
    """Pull the account's whole credit, saying what it is made of."""
    b = Bounty.at(bounty)
    amount = b.credits(account)
    why = record.explain_credits(b, account=account.address)
    roles.Participant(account, None).withdraw(b)
    click.echo("\n".join([f"withdrew {amount / 1e18:g} ETH", *why]))


# ------------------------------------------------------------------ anyone
@command(name="list", short_help="Bounties created by the factory")
@click.option("--factory", default=None, help="Factory address  [default: as for create]")
def list_(factory):
    """Every bounty of the factory: organizer, reward, stage, submissions, deadline relative to chain time."""
    click.echo(list_bounties(factory).to_string(index=False))


@command(short_help="Stage, deadlines, counts and ranking")
@click.argument("bounty", type=BOUNTY)
def status(bounty):
    """Stage, deadlines relative to chain time, counts, ranking and every posted score."""
    click.echo(repr(Bounty.at(bounty).status()))


@command(short_help="Posted scores, qualification, prizes and the baseline")
@click.argument("bounty", type=BOUNTY)
@store_option
def leaderboard(bounty, store):
    """Posted scores best first: submitter, score, whether it qualifies, its prize, and the score of
    always predicting the majority class (from the posted report)."""
    click.echo(record.leaderboard(Bounty.at(bounty), open_store(store)).to_string())


@command(short_help="Move a local node's clock (local only)")
@click.argument("bounty", type=BOUNTY, required=False)
@click.option("--to", type=click.Choice(sorted(ADVANCE_TARGETS)), default=None,
              help="Travel to the deadline that opens this stage of BOUNTY.")
@click.option("--seconds", type=int, default=None, help="Travel this many seconds.")
def advance(bounty, to, seconds):
    """Move a local development node's time forward and mine a block; refused on live networks."""
    ts = advance_clock(Bounty.at(bounty) if bounty else None, to=to, seconds=seconds)
    click.echo(f"chain time is now {ts}" + (f"; {repr(Bounty.at(bounty).status()).splitlines()[0]}" if bounty else ""))


@command(short_help="Re-compute every posted score and compare")
@click.argument("bounty", type=BOUNTY)
@click.option("--tolerance-bps", type=int, default=None,
              help="Accepted |posted - recomputed| in bps  [default: 0 if the report came from this CPU and "
                   "software, else the cross-machine tolerance]")
@evaluation_options
def verify(bounty, tolerance_bps, workers, backend, ray_address, store):
    """Re-run the evaluation from the public record; compare the scores and what they pay (exit 1 on a mismatch)."""
    report = run_verify(Bounty.at(bounty), open_store(store), tolerance_bps=tolerance_bps, workers=workers,
                        backend=backend, ray_address=ray_address)
    click.echo(repr(report))
    click.echo(json.dumps(report.to_dict(), default=str))
    if not report.ok:
        sys.exit(1)


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
    b = Bounty.at(bounty)
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
    b = Bounty.at(bounty)
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
    b = Bounty.at(bounty)
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
    b = Bounty.at(bounty)
    receipt = b.reclaim(key, sender=account)
    click.echo("\n".join(record.explain_credits(b, receipt)))


@cli.group(cls=BountyCommands, short_help="A RerunJury: deploy, stake, list disputes, vote, resolve")
def jury():
    """The default arbiter: named jurors with a stake re-run a disputed submission, commit a sealed answer,
    reveal it; the median is the ruling.  JURY is the jury's address."""


def jury_command(name=None, **kwargs):
    return jury.command(name=name, cls=ConnectedProviderCommand, **kwargs)


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
