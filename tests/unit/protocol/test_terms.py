"""BountyTerms (validated once, mapped by name onto the factory), the spec template, and the wire encodings."""

from __future__ import annotations

import json

import pytest

from bounty_client.errors import ArgumentError, BountyError
from bounty_client.cli.inputs import read_candidates, spec_options
from bounty_client.protocol.terms import BountyTerms, parse_prize_shares
from bounty_client.protocol.wire import (BPS, MAX_PRIZE_SHARES, MAX_SUBMISSIONS, decode_score_entry, encode_score_entry,
                                stored_commitment)


def test_terms__amounts_in_ether_and_shares_as_text__are_normalized_to_wei_and_ints():
    t = BountyTerms(reward="1.5 ether", commit_deposit="100 gwei", prize_shares="6000, 3000,1000")
    assert (t.reward, t.commit_deposit, t.prize_shares) == (15 * 10**17, 100 * 10**9, (6000, 3000, 1000))
    assert t.deadlines(1_000) == (1_000 + 3600, 1_000 + 7200, 1_000 + 10_800)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("reward", 0, "reward: must be more than 0 wei"),
        ("reward", "1 dogecoin", "unknown unit 'dogecoin'"),
        ("reward", 2**96, "reward: must be more than 0 wei and at most"),
        ("submission_period", 0, "submission_period: must be a positive number of seconds"),
        ("reveal_period", -1, "reveal_period: must be a positive"),
        ("evaluation_period", 1.5, "evaluation_period: must be a positive"),
        ("max_submissions", 0, f"max_submissions: must be 1..{MAX_SUBMISSIONS}"),
        ("max_submissions", MAX_SUBMISSIONS + 1, f"max_submissions: must be 1..{MAX_SUBMISSIONS}"),
        ("commit_deposit", 2**64, "commit_deposit: at most"),
        ("prize_shares", (6000, 3000), "prize_shares: 1 to 5 positive basis-point shares summing to 10000"),
        ("prize_shares", (5000, 0, 5000), "prize_shares"),
        ("prize_shares", (2000,) * 4 + (1000, 1000), "prize_shares"),
        ("prize_shares", "60%,40%", "prize_shares: comma-separated integers"),
    ],
)
def test_terms__each_bad_field__is_refused_with_its_name(field, value, message):
    with pytest.raises(ArgumentError, match=message) as info:
        BountyTerms(**{field: value})
    assert isinstance(info.value, ValueError) and isinstance(info.value, BountyError)


def test_terms__limits_at_their_maximum__are_accepted():
    t = BountyTerms(reward=2**96 - 1, max_submissions=MAX_SUBMISSIONS, commit_deposit=2**64 - 1,
                    prize_shares=[BPS // MAX_PRIZE_SHARES] * MAX_PRIZE_SHARES)
    assert t.max_submissions == MAX_SUBMISSIONS and sum(t.prize_shares) == BPS
    assert parse_prize_shares("") == ()  # winner takes all


def test_factory_arguments__name_every_field_of_the_factory_terms_struct():
    from bounty_client.contracts import contract_type
    from bounty_client.roles import PreparedBounty
    from bounty_client.protocol.spec import BountySpec, DataFile
    from client_helpers import make_cid

    data_cid = make_cid(b"ltc")
    spec = BountySpec(name="t", target="LTC", data_files=(DataFile("LTC-USD", data_cid),))
    prepared = PreparedBounty(spec=spec, spec_cid="bafkreispec", test_cid="bafkreitest", test_salt=bytes(32),
                              test_commitment=bytes(range(32)))
    args = BountyTerms(max_submissions=7).factory_arguments(prepared, start=100)
    (create,) = [m for m in contract_type("BountyFactory").mutable_methods if m.name == "create"]
    (struct,) = create.inputs  # one Terms struct
    assert [c.name for c in struct.components] == list(args)
    assert (args["submission_deadline"], args["max_submissions"], args["data_cids"]) == (3700, 7, [data_cid])
    assert args["test_data_after"] == 0  # sealed
    assert args["bond"] == BountyTerms(max_submissions=7).reward  # the bond defaults to the reward


def test_factory_arguments__future_window__empty_commitment_and_test_data_after_is_the_window_end():
    from bounty_client.roles import PreparedBounty
    from bounty_client.protocol.spec import BountySpec, DataFile, TestRule, TestSource
    from client_helpers import make_cid

    terms = BountyTerms(submission_period=3600, reveal_period=3600, evaluation_period=7200)  # d2 = 7300 from 100
    def prepared(window):
        spec = BountySpec(name="t", target="LTC", data_files=(DataFile("LTC-USD", make_cid(b"ltc")),),
                          test=TestRule("future", window=window, source=TestSource("local"), interval=300))
        return PreparedBounty(spec=spec, spec_cid="bafkreispec", test_cid="", test_salt=b"", test_commitment=bytes(32))

    args = terms.factory_arguments(prepared((7500, 9000)), start=100)
    assert args["test_data_after"] == 9000 and args["test_commitment"] == bytes(32)
    # one grid step before the reveal deadline: the window would run during the reveals
    with pytest.raises(ArgumentError, match="before the reveal deadline 7300"):
        terms.factory_arguments(prepared((7200, 9000)), start=100)
    # ending after the evaluation deadline (14500) leaves no time to post: refused
    with pytest.raises(ArgumentError, match="evaluation_period"):
        terms.factory_arguments(prepared((7500, 14700)), start=100)
    assert terms.factory_arguments(prepared((7500, 14400)), start=100)["test_data_after"] == 14400


def test_spec_options__template_file_with_overrides(tmp_path):
    template = tmp_path / "spec.json"
    template.write_text(json.dumps({"name": "from file", "target": "BTC", "seq_len": 12,
                                    "protocol": {"epochs": 9, "batch_size": 16, "seed": 3}}))
    options = spec_options(template, ["BTC", "LTC"], seq_len=8, epochs=2, min_accuracy_bps=0)
    assert (options["name"], options["target"], options["seq_len"]) == ("from file", "BTC", 8)
    assert (options["protocol"].epochs, options["protocol"].batch_size, options["min_accuracy_bps"]) == (2, 16, 0)
    assert spec_options(None, ["LTC"])["name"] == "bounty"


def test_read_candidates__inline_list_and_file__bad_json_named(tmp_path):
    f = tmp_path / "hp.json"
    f.write_text(json.dumps([{"lstm_layers": 1}, {"lstm_layers": 2}]))
    assert read_candidates(['{"lstm_layers": 3}', str(f)]) == [{"lstm_layers": 3}, {"lstm_layers": 1},
                                                               {"lstm_layers": 2}]
    with pytest.raises(ArgumentError, match="{lstm_layers: 1.: not JSON"):  # issue 15: a missing file says "no such file"
        read_candidates(["{lstm_layers: 1"])


def test_score_entry__round_trips_and_refuses_out_of_range_scores():
    assert encode_score_entry(3, 9_000) == (3 << 16) | 9_000
    assert decode_score_entry(encode_score_entry(2**24 - 2, BPS)) == (2**24 - 2, BPS)
    for bad in ((0, BPS + 1), (0, -1), (-1, 0)):
        with pytest.raises(ValueError):
            encode_score_entry(*bad)


def test_stored_commitment__clears_only_the_top_bit():
    full = "0x" + "ff" * 32
    assert stored_commitment(full) == "0x7f" + "ff" * 31
    assert stored_commitment(bytes(32)) == "0x" + "00" * 32
