"""Spam costs money (the default commit deposit) and evaluation cost is bounded (the budget check at
creation): the client side of issue 10 that needs no attacker on chain."""

from __future__ import annotations

import pytest

from bounty_client.ml.budget import evaluation_budget
from bounty_client.errors import ArgumentError
from bounty_client.protocol.terms import MIN_DEFAULT_DEPOSIT, BountyTerms, default_commit_deposit
from bounty_client.protocol.wire import MAX_COMMIT_DEPOSIT

ETHER = 10**18


# ------------------------------------------------------------------ default deposit


@pytest.mark.parametrize(
    "reward, deposit",
    [(10 * ETHER, ETHER // 10), (ETHER, ETHER // 100), (ETHER // 100, MIN_DEFAULT_DEPOSIT), (1, MIN_DEFAULT_DEPOSIT),
     (10**6 * ETHER, MAX_COMMIT_DEPOSIT)],
)
def test_default_deposit__one_percent_of_the_reward_within_floor_and_uint64(reward, deposit):
    assert default_commit_deposit(reward) == deposit
    assert BountyTerms(reward=reward, bond=max(reward, 1)).commit_deposit == deposit


def test_default_deposit__an_explicit_deposit_wins_even_zero():
    assert BountyTerms(reward="10 ether").commit_deposit == ETHER // 10
    assert BountyTerms(reward="10 ether", commit_deposit="0").commit_deposit == 0
    assert BountyTerms(reward="10 ether", commit_deposit="0.5").commit_deposit == ETHER // 2


def test_default_deposit__junk_filling_the_cap_costs_max_submissions_percent_of_the_reward():
    t = BountyTerms(reward="10 ether", max_submissions=100)
    assert t.max_submissions * t.commit_deposit == t.reward  # a cap of 100 costs the whole reward


def test_terms__evaluation_deadline_past_uint32__refused_naming_the_period():
    with pytest.raises(ArgumentError, match="evaluation_period: the last deadline .* past the contract's uint32 limit"):
        BountyTerms(evaluation_period=2**32).deadlines(1_000)


# ------------------------------------------------------------------ evaluation budget


def _budget(**overrides):
    figures = dict(max_cost=100_000, windows=1_000, seq_len=10, epochs=2, seeds=3, max_submissions=10,
                   window_s=3_600, workers=1)
    figures.update(overrides)
    return evaluation_budget(**figures)


def test_budget__run_time_is_the_model_of_the_worst_corner__per_parameter_per_layer_and_to_build():
    from bounty_client.ml.budget import BudgetConstants, submission_seconds

    b = _budget()
    c = BudgetConstants()
    batches = -(-1_250 // 64)  # validation windows counted: ceil(1.25 x 1000 / 64)
    epoch = batches * (c.batch_s + c.lstm_step_s * 8 * 10 + c.dense_step_s * 8) + 100_000 * 1_000 * 10 / c.throughput
    build = c.build_s + c.lstm_build_s * 8 + c.dense_build_s * 8  # the contract's limits: 8 LSTM, 8 dense layers
    assert b.run_seconds == pytest.approx(build + 3 * (2 * epoch + c.seed_s))
    assert b.run_seconds == pytest.approx(submission_seconds(parameters=100_000, lstm_layers=8, dense_layers=8,
                                                             windows=1_000, seq_len=10, epochs=2, seeds=3))
    assert b.total_seconds == pytest.approx(10 * b.run_seconds)
    assert _budget(workers=3).total_seconds == pytest.approx(4 * b.run_seconds)  # ceil(10 / 3) rounds
    assert b.check() is b and "10 submissions x" in str(b) and "3 seeds x 2 epochs" in str(b)
    assert "evaluation window 3,600 s" in str(b)


def test_budget__too_short_a_window__refused_naming_every_parameter_that_fixes_it():
    b = _budget(max_submissions=3_000)
    with pytest.raises(ArgumentError) as info:
        b.check()
    message = str(info.value)
    for name in ("evaluation_period", "max_submissions", "workers", "bounds", str(b)):
        assert name in message
    # each suggested change, applied alone, fits
    most = int(message.split("lower max_submissions to ")[1].split(",")[0])
    workers = int(message.split("use workers >= ")[1].split(",")[0])
    period = int(message.split("at least ")[1].split(" s")[0])
    assert _budget(max_submissions=most).fits and not _budget(max_submissions=most + 1).fits
    assert _budget(max_submissions=3_000, workers=workers).fits
    assert not _budget(max_submissions=3_000, workers=workers - 1).fits
    assert _budget(max_submissions=3_000, window_s=period).fits


def test_budget__one_run_longer_than_the_window__suggests_only_what_can_help():
    """Neither fewer submissions (0) nor more workers can fit a single run that is longer than the
    window: the message names the period and the bounds only (found by a new-user review)."""
    b = _budget(max_cost=10**9, window_s=600)
    assert b.run_seconds > 600
    with pytest.raises(ArgumentError) as info:
        b.check()
    message = str(info.value)
    assert "shorter than one worst-case submission" in message and "--spec" in message
    assert "max_submissions to" not in message and "workers >=" not in message
    period = int(message.split("at least ")[1].split(" s")[0])
    assert _budget(max_cost=10**9, window_s=period).fits


def test_budget__bigger_bounds_more_seeds_or_epochs_cost_more():
    base = _budget().total_seconds
    for change in (dict(max_cost=200_000), dict(seeds=5), dict(epochs=3), dict(windows=2_000), dict(seq_len=20)):
        assert _budget(**change).total_seconds > base
    shallow = _budget(lstm_layers=1, dense_layers=0).total_seconds
    for change in (dict(lstm_layers=2, dense_layers=0), dict(lstm_layers=1, dense_layers=1),
                   dict(lstm_layers=1, dense_layers=0, batch_size=16)):
        assert _budget(**change).total_seconds > shallow


def test_budget__deep_narrow_worst_case__never_below_what_it_was_measured_to_take():
    """The finding: with bounds of 8 LSTM layers (and 8 dense) of a few units, a worst-case submission at 8
    epochs over a bounty's 787 training windows was measured at 18.8-21.5 s on the reference machine, and the
    parameter-count estimate said 8.1 s, so `create` accepted windows too short for max_submissions of them.
    Deep, narrow models cost per layer and per time step, whatever their parameter count."""
    from bounty_client.protocol.hyperparams import HyperparameterBounds, max_parameter_count

    narrow = HyperparameterBounds(lstm_units=(1, 8))
    # without the layer counts the budget assumes the contract's limits (8 and 8): the worst case
    b = evaluation_budget(max_cost=max_parameter_count(narrow, 8), windows=787, seq_len=10, epochs=8, seeds=1,
                          max_submissions=20, window_s=86_400)
    assert b.run_seconds >= 21.5
    # ... and a window that fits 20 of the parameter-only estimates (8.1 s) but not 20 measured ones is refused
    with pytest.raises(ArgumentError, match="evaluation_period: too short"):
        evaluation_budget(max_cost=b.max_cost, windows=787, seq_len=10, epochs=8, seeds=1, max_submissions=20,
                          window_s=20 * 15).check()


def test_budget__organizer_passes_the_specs_deepest_model():
    """Organizer.check_evaluation_budget sizes the worst case with the spec's bounds (layers, batch size)."""
    from types import SimpleNamespace

    from bounty_client.protocol.hyperparams import HyperparameterBounds
    from bounty_client.protocol.spec import TrainingProtocol
    from bounty_client.roles.organizer import Organizer

    spec = SimpleNamespace(protocol=TrainingProtocol(epochs=2, batch_size=32, seeds=2),
                           bounds=HyperparameterBounds(lstm_layers=(1, 3), dense_layers=(0, 2)))
    prepared = SimpleNamespace(spec=spec, train_windows=500)
    arguments = dict(max_cost=10_000, seq_len=10, max_submissions=5, reveal_deadline=1_000, evaluation_deadline=90_000)
    b = Organizer.check_evaluation_budget(None, prepared, arguments, workers=1)
    assert (b.lstm_layers, b.dense_layers, b.batch_size, b.epochs, b.seeds) == (3, 2, 32, 2, 2)


@pytest.mark.parametrize("field", ["max_cost", "windows", "seq_len", "epochs", "seeds", "max_submissions",
                                   "window_s", "workers"])
def test_budget__non_positive_figures__refused_by_name(field):
    with pytest.raises(ArgumentError, match=field):
        _budget(**{field: 0})


# ------------------------------------------------------------------ creation refuses before sending


def test_create__window_too_short_for_the_worst_case__refused_before_anything_is_sent(accounts, tmp_path, capsys):
    from bounty_client.chain import deploy_factory
    from bounty_client.data import synthetic_prices
    from bounty_client.protocol.hyperparams import HyperparameterBounds
    from bounty_client.roles import Organizer
    from bounty_client.protocol.spec import TrainingProtocol
    from bounty_client.storage import open_store
    from bounty_client.roles.vault import Vault

    org = Organizer(accounts[0], open_store(f"local:{tmp_path / 'ipfs'}"), factory=deploy_factory(accounts[0]),
                    vault=Vault(tmp_path / "home"))
    prepared = org.prepare(synthetic_prices(rows=200, seed=3), name="t", target="LTC", seq_len=5, future_period=2,
                           protocol=TrainingProtocol(epochs=1, seeds=1),
                           bounds=HyperparameterBounds(lstm_layers=(1, 1), lstm_units=(1, 8), dense_layers=(0, 0)))
    # Tiny bounds: one worst-case submission is ~the overhead (8 s); 10 of them need ~80 s.
    nonce = accounts[0].nonce
    with pytest.raises(ArgumentError, match="evaluation_period: too short"):
        org.create(prepared, BountyTerms(reward="1 ether", max_submissions=10, evaluation_period=60))
    assert accounts[0].nonce == nonce and not list((tmp_path / "home" / "vault").rglob("*.json"))  # no secret saved
    bounty = org.create(prepared, BountyTerms(reward="1 ether", max_submissions=10, evaluation_period=60), workers=2)
    assert "evaluation estimate: 10 submissions x" in capsys.readouterr().out
    assert bounty.contract.commit_deposit() == ETHER // 100  # the default deposit reached the chain


# ------------------------------------------------------------------ the packed Revealed word


def test_revealed_word__round_trips_the_chain_values_and_refuses_what_does_not_fit():
    from bounty_client.protocol.hyperparams import Hyperparameters
    from bounty_client.protocol.wire import decode_revealed, encode_revealed

    hp = Hyperparameters(8, 1024, 8, "linear", "mean_squared_error", 0.9, 1.0)
    word = encode_revealed(hp.to_chain())
    assert decode_revealed(word) == hp.to_chain() == (8, 1024, 8, 7, 4, 9000, 1_000_000)
    assert word < 1 << 96
    with pytest.raises(ValueError, match="lstm_units must fit 16 bits"):
        encode_revealed((1, 1 << 16, 0, 0, 0, 0, 1))
    with pytest.raises(ValueError, match="7 values"):
        encode_revealed((1, 2))


def test_open__window_too_short__refused_before_any_file_is_stored_or_factory_deployed(accounts, tmp_path):
    """`Organizer.open` (what `ape run bounty create` calls) runs the limit and budget checks on the
    built dataset before the public CSVs, the hidden test set or the spec are stored (found by an
    adversarial review: they used to be stored first)."""
    from bounty_client.data import synthetic_prices
    from bounty_client.roles import Organizer
    from bounty_client.protocol.spec import TrainingProtocol
    from bounty_client.storage import LocalStore, open_store
    from bounty_client.roles.vault import Vault

    store, private = open_store(f"local:{tmp_path / 'ipfs'}"), LocalStore(tmp_path / "private", private=True)
    org = Organizer(accounts[0], store, private_store=private, vault=Vault(tmp_path / "home"))
    nonce = accounts[0].nonce
    with pytest.raises(ArgumentError, match="evaluation_period"):
        org.open(synthetic_prices(rows=200, seed=3), BountyTerms(reward="1 ether", evaluation_period=5),
                 deploy_factory=True, name="t", target="LTC", seq_len=5, future_period=2,
                 protocol=TrainingProtocol(epochs=1, seeds=1))
    assert accounts[0].nonce == nonce
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]  # nothing stored anywhere
