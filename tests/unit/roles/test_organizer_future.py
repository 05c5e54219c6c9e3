"""Future-window bounties and evaluation seeds: what nobody can know before the deadlines.

A participant holds everything published (spec, CSVs, the chain); the tests check that the
test labels and the evaluation seeds are not among it, and that the organizer's client
refuses to open a window before the reveal deadline or to post rows that do not exist yet.
"""

from __future__ import annotations

import ape
import pytest
from eth_utils import keccak

from bounty_client.chain import deploy_factory
from bounty_client.data import LocalMarket, NotYetAvailableError, parse_prices_csv
from bounty_client.errors import ArgumentError, StageError
from bounty_client.cli.lifecycle import LifecycleConfig, load_lifecycle_prices
from bounty_client.record import open_record, test_set_files
from bounty_client.roles import Organizer
from bounty_client.protocol.seeds import evaluation_seeds
from bounty_client.protocol.spec import TrainingProtocol
from bounty_client.storage import LocalStore, open_store
from bounty_client.protocol.terms import BountyTerms
from bounty_client.roles.vault import Vault

COINS = ["BTC", "LTC"]
HOUR = 3600


# ------------------------------------------------------------------ the seed rule
def test_evaluation_seeds__follow_the_written_rule_and_differ_per_randomness():
    r = bytes(range(1, 33))
    # keccak256(abi_encode(bytes32, uint256)) = keccak of the 32 bytes then i as 32 big-endian bytes
    expected = [int.from_bytes(keccak(r + i.to_bytes(32, "big"))[-4:], "big") for i in range(3)]
    assert evaluation_seeds(r, 3) == expected == evaluation_seeds("0x" + r.hex(), 3)
    assert evaluation_seeds(r, 5)[:3] == expected and len(set(expected)) == 3
    assert set(evaluation_seeds(bytes(31) + b"\x02", 3)).isdisjoint(expected)


@pytest.mark.parametrize("randomness, k, message", [
    (bytes(32), 3, "not been drawn"), (b"\x01" * 31, 3, "32 bytes"), ("0xzz", 3, "not hex"),
    (b"\x01" * 32, 0, "k: must be a positive"), (b"\x01" * 32, True, "k: must be a positive"),
])
def test_evaluation_seeds__bad_input__names_it(randomness, k, message):
    with pytest.raises(ArgumentError, match=message):
        evaluation_seeds(randomness, k)


def test_evaluation_seeds__unknown_rule__is_refused_by_the_spec_and_the_function():
    from bounty_client.protocol.spec import SpecError

    with pytest.raises(SpecError, match="seed_rule"):
        TrainingProtocol(seed_rule="sha256-v0")
    with pytest.raises(ArgumentError, match="seed_rule"):
        evaluation_seeds(b"\x01" * 32, 1, rule="sha256-v0")


# ------------------------------------------------------------------ future-window bounties
@pytest.fixture(scope="module")
def factory(accounts):
    return deploy_factory(accounts[0])


@pytest.fixture
def organizer(accounts, factory, tmp_path):
    return Organizer(accounts[0], open_store(f"local:{tmp_path / 'ipfs'}"), factory=factory,
                     vault=Vault(tmp_path / "home"), private_store=LocalStore(tmp_path / "private", private=True))


TERMS = BountyTerms(reward="1 ether", submission_period=HOUR, reveal_period=HOUR, evaluation_period=4 * HOUR)


def _open_future(organizer, **kw):
    market = LocalMarket(organizer.market_file)
    prepared = organizer.prepare_future(
        market, TERMS, symbols=COINS, name="future", target="LTC", history_rows=kw.pop("history_rows", 200),
        window_rows=kw.pop("window_rows", 20), seq_len=4, future_period=2,
        protocol=TrainingProtocol(epochs=1, seeds=2), min_accuracy_bps=0, **kw)
    return market, prepared, organizer.create(prepared, TERMS)


def test_future_bounty__window_after_the_reveals__and_nothing_published_reaches_it(organizer, chain, accounts):
    market, prepared, bounty = _open_future(organizer)
    creation = bounty.creation()
    start, end = prepared.spec.test.window
    assert creation.reveal_deadline <= start < start + 300 and creation.test_data_after == end
    assert creation.test_commitment == "0x" + "00" * 32 and prepared.test_cid == ""
    # A participant downloads everything published: no row at or after creation, none in the window.
    record = open_record(bounty, organizer.store)
    latest = max(frame.index[-1] for frame in record.prices().values())
    assert latest.value // 10**9 <= chain.blocks[creation.block_number].timestamp < start
    # ... and the source has no window rows to give at the chain's time (they do not exist yet).
    with pytest.raises(NotYetAvailableError, match="do not exist yet"):
        market.history(COINS, start, end, now=int(chain.pending_timestamp))
    # Nor are the evaluation seeds computable: no randomness, and drawing it reverts until the reveal deadline.
    assert record.randomness() is None
    with pytest.raises(StageError, match="not drawn"):
        record.evaluation_seeds()
    chain.mine(timestamp=creation.reveal_deadline - 2)  # the next block is one second before the deadline
    with ape.reverts("bounty: reveal window still open"):
        bounty.contract.draw_randomness(sender=accounts[3])


def test_future_bounty__post_only_after_the_window__then_test_labels_come_from_it(organizer, chain, accounts):
    _, prepared, bounty = _open_future(organizer)
    # The other one through Organizer.open, which takes a market for a future-window bounty.
    opened = organizer.open(LocalMarket(organizer.market_file), TERMS, symbols=COINS, name="other", target="LTC",
                            history_rows=200, window_rows=20, seq_len=4, future_period=2,
                            protocol=TrainingProtocol(epochs=1, seeds=2), min_accuracy_bps=0)
    other = opened.bounty
    assert opened.prepared.spec.test.is_future and not opened.deployed
    creation = bounty.creation()
    chain.mine(timestamp=max(creation.reveal_deadline, other.creation().reveal_deadline))
    nonce = accounts[0].nonce
    with pytest.raises(StageError, match="test window closes at"):
        organizer.post_test_data(bounty)  # the last rows do not exist yet: nothing sent
    assert accounts[0].nonce == nonce and not bounty.contract.randomness_drawn()

    chain.mine(timestamp=max(creation.test_data_after, other.creation().test_data_after))
    organizer.post_test_data(bounty)
    organizer.reveal_test(other)  # a future bounty's reveal_test posts its window
    record = open_record(bounty, organizer.store)
    start, end = prepared.spec.test.window
    for f in test_set_files(record.test_data().cid, organizer.store):
        frame = parse_prices_csv(organizer.store.get(f.cid))
        seconds = frame.index.asi8 // 10**9
        assert seconds.min() == start - 4 * 300 and seconds.max() == end  # seq_len context rows + the window
    ds = record.dataset(with_test=True)
    assert ds.test_window == (start, end) and len(ds.y_test) == 20 - 2  # window rows - future_period
    assert ds.t_test[0].value // 10**9 >= start
    # Seeds: from the recorded randomness by the spec's rule; another bounty draws others.
    seeds = record.evaluation_seeds()
    assert seeds == evaluation_seeds(bytes(bounty.contract.randomness()), 2) and len(seeds) == 2
    assert set(seeds).isdisjoint(open_record(other, organizer.store).evaluation_seeds())
    with pytest.raises(Exception, match="already posted"):
        organizer.post_test_data(bounty)


def test_future_bounty__window_before_the_reveal_deadline_or_past_the_evaluation_deadline__refused(organizer):
    market = LocalMarket(organizer.market_file)
    short = BountyTerms(reward="1 ether", submission_period=HOUR, reveal_period=HOUR, evaluation_period=HOUR)
    with pytest.raises(ArgumentError, match="evaluation_period"):
        organizer.prepare_future(market, short, symbols=COINS, name="f", target="LTC", history_rows=200,
                                 window_rows=20, seq_len=4, future_period=2)
    _, prepared, _ = _open_future(organizer)
    # The same spec on a bounty whose reveals would still be open when the window opens.
    late = BountyTerms(reward="1 ether", submission_period=HOUR, reveal_period=3 * HOUR, evaluation_period=9 * HOUR)
    with pytest.raises(ArgumentError, match="before the reveal deadline"):
        late.factory_arguments(prepared, prepared.start)
    assert TERMS.factory_arguments(prepared, prepared.start)["test_data_after"] == prepared.spec.test.window[1]


# ------------------------------------------------------------------ sealed synthetic data
def test_sealed_synthetic__hidden_rows_come_from_a_secret_not_from_anything_published(tmp_path):
    from bounty_client.data import split_hidden, synthetic_prices

    cfg = LifecycleConfig(test_mode="sealed", rows=200, seed=7)
    private = LocalStore(tmp_path / "private", private=True)
    first, source = load_lifecycle_prices(cfg, private)
    second, _ = load_lifecycle_prices(cfg, None)
    assert "secret seed" in source and "7" not in source
    hidden = split_hidden(first, 0.2)[1]["LTC"]
    assert not hidden.equals(split_hidden(second, 0.2)[1]["LTC"])  # a fresh secret each time
    # The published seed (--seed, the protocol's) does not regenerate it.
    for published in (cfg.seed, 0):
        assert not hidden.equals(split_hidden(synthetic_prices(rows=200, seed=published), 0.2)[1]["LTC"])
    assert len(list(private.root.rglob("*"))) > 0  # the secret is kept privately
    # The spec the organizer publishes names no data seed: its only seeds are the protocol's.
    prepared = Organizer(None, open_store(f"local:{tmp_path / 'ipfs'}"), vault=Vault(tmp_path / "home"),
                         private_store=private).prepare(first, name="s", target="LTC", seq_len=4, future_period=2)

    def seed_keys(node, path=""):
        if isinstance(node, dict):
            for key, value in node.items():
                yield from ([f"{path}{key}"] if "seed" in key else []) + list(seed_keys(value, f"{path}{key}."))

    assert sorted(seed_keys(prepared.spec.to_dict())) == ["protocol.seed", "protocol.seed_rule", "protocol.seeds"]


# ------------------------------------------------------------------ callers with only a protocol
def test_evaluate__protocol_only__one_seed__and_the_lr1_8_dense_submission_cannot_beat_a_constant(arrays):
    """The issue's blow-up submission (learning rate 1.0, 8 Dense layers) scored 6623 bps under plain
    accuracy by predicting one class.  Under balanced accuracy it ends ``diverged`` with 0 (non-finite
    loss) or, as with today's model (BatchNorm keeps the outputs finite), a constant prediction
    scoring at most 5000: never above a working model."""
    from bounty_client.ml.evaluation import evaluate

    submitter = "0x" + "00" * 19 + "01"
    subs = [{"id": 0, "submitter": submitter, "hyperparameters": {
        "lstm_layers": 1, "lstm_units": 8, "dense_layers": 8, "activation": "relu",
        "loss": "sparse_categorical_crossentropy", "learning_rate": 1.0}}]
    result = evaluate(subs, arrays, TrainingProtocol(epochs=2, batch_size=32, seed=3), backend="sequential",
                      progress=False)
    assert result.seeds == [3] and result.metric == "balanced_accuracy"
    row = result.leaderboard.iloc[0]
    assert (row["status"], row["score_bps"]) == ("diverged", 0) or (row["status"] == "scored"
                                                                     and row["score_bps"] <= 5000)
    assert result.scores() == {0: int(row["score_bps"])}


def test_future_bounty__chain_test_data_after_contradicting_the_spec__every_reader_refuses(organizer, accounts,
                                                                                           factory):
    from bounty_client.errors import VerificationError

    _, prepared, _ = _open_future(organizer)
    args = TERMS.factory_arguments(prepared, prepared.start)
    args["test_data_after"] += 300  # the organizer would post a window one step longer than the spec says
    receipt = factory.create(sender=accounts[0], value=TERMS.value, **args)
    address = factory.created_address(receipt)
    with pytest.raises(VerificationError, match=r"test window end \(spec \d+, chain test_data_after \d+\)"):
        open_record(address, organizer.store)


def test_future_bounty__window_opening_during_the_reveals__refused_by_the_contract_and_every_reader(
        organizer, accounts, factory):
    """A bounty made by another client (or by hand) whose window opens before the reveal deadline: a
    participant with several commitments could score them on the first window prices and reveal only the
    best.  The contract refuses such a window (``test_window_start >= reveal_deadline``), and a chain
    window start that contradicts the spec's is refused by every reader of the record."""
    from bounty_client.errors import VerificationError

    _, prepared, _ = _open_future(organizer)
    args = TERMS.factory_arguments(prepared, prepared.start)
    start, _ = prepared.spec.test.window
    assert args["test_window_start"] == start >= args["reveal_deadline"]
    # the same spec, but the reveal deadline moved past the window start: the chain refuses it
    with ape.reverts("bounty: test window opens before the reveal deadline"):
        factory.create(sender=accounts[0], value=TERMS.value, **{**args, "reveal_deadline": start + 300})
    # a chain start the contract accepts (later) but the spec does not say: every reader refuses
    receipt = factory.create(sender=accounts[0], value=TERMS.value, **{**args, "test_window_start": start + 300})
    address = factory.created_address(receipt)
    with pytest.raises(VerificationError, match=r"test window start \(spec \d+, chain test_window_start \d+\)"):
        open_record(address, organizer.store)


# ------------------------------------------------------------------ the arbiter's terms (review finding)
@pytest.mark.parametrize("resolution, service, message", [
    (2 * HOUR + 599, 30 * 86_400, r"resolution_period: 7799 s is shorter than the jury's commit and reveal periods "
                                  r"plus its 600 s margin \(7800 s\)"),
    (2 * HOUR + 600, HOUR, r"arbiter: the jury 0x\w+ serves until .* before this bounty's resolution deadline"),
    (2 * HOUR + 600, 30 * 86_400, None),
])
def test_check_create_args__a_jury_that_could_not_rule_in_time__refused_before_anything_is_sent(
        organizer, factory, accounts, resolution, service, message):
    """A RerunJury whose commit + reveal periods plus RESOLVE_MARGIN exceed the resolution period, or
    whose service ends before the resolution deadline, would refuse every late challenge (a false score
    would pay): the organizer's client refuses such terms, at the boundary to the second."""
    from bounty_client.chain import mined_timestamp
    from bounty_client.chain.jury import Jury

    jury = Jury.deploy(factory, [accounts[7], accounts[8], accounts[9]], sender=accounts[0], stake=10**17,
                       fee=10**15, commit_period=HOUR, reveal_period=HOUR, tolerance_bps=200, slash_bps=2_000,
                       service_end=mined_timestamp() + service)
    terms = BountyTerms(reward="1 ether", submission_period=HOUR, reveal_period=HOUR, evaluation_period=4 * HOUR,
                        arbiter=jury.address, challenge_period=HOUR, resolution_period=resolution)
    nonce = accounts[0].nonce
    if message is None:
        assert organizer.check_create_args(terms) is terms
    else:
        with pytest.raises(ArgumentError, match=message):
            organizer.check_create_args(terms)
    assert accounts[0].nonce == nonce
