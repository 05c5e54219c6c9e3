"""commit and reveal: windows to the second, deposits, caps, range checks, and the attacks on sealed submissions."""

from __future__ import annotations

import ape
import pytest
from bounty_harness import HP, N_FEATURES, Stage, salt_for

from bounty_client.protocol.hyperparams import LOSSES, Hyperparameters, commitment, parameter_count
from bounty_client.protocol.wire import decode_revealed, encode_revealed, stored_commitment

# ---------------------------------------------------------------------------- commit


def test_commit__returns_sequential_ids_and_emits(bounty, alice, bob):
    c = bounty.contract
    receipt = c.commit(commitment(c.address, alice.address, HP, salt_for(1)), sender=alice)
    (ev,) = receipt.decode_logs(c.Committed)
    assert (ev.submitter, ev.id) == (alice.address, 0)
    assert bounty.commit(bob).id == 1
    assert c.submission_count() == 2
    stored = "0x" + bytes(c.commitment_of(0)).hex()
    assert stored == stored_commitment(commitment(c.address, alice.address, HP, salt_for(1)))


def test_commit__one_second_before_the_deadline__succeeds(bounty, alice):
    bounty.at(bounty.submission_deadline - 1)
    bounty.commit(alice)


def test_commit__at_the_deadline__reverts(bounty, alice):
    bounty.at(bounty.submission_deadline)
    with ape.reverts("bounty: submission window closed"):
        bounty.commit(alice)


def test_commit__one_second_after_the_deadline__reverts(bounty, alice):
    bounty.at(bounty.submission_deadline + 1)
    with ape.reverts("bounty: submission window closed"):
        bounty.commit(alice)


def test_commit__without_the_deposit__reverts(make_bounty, alice):
    b = make_bounty(commit_deposit=10**15)
    with ape.reverts("bounty: wrong deposit"):
        b.commit(alice, value=0)
    with ape.reverts("bounty: wrong deposit"):
        b.commit(alice, value=10**15 + 1)
    b.commit(alice, value=10**15)
    assert b.contract.balance == 20 * 10**18 + 10**15  # reward + bond + deposit
    assert b.contract.escrow() == 20 * 10**18 + 10**15


def test_commit__paying_when_no_deposit_is_set__reverts(bounty, alice):
    with ape.reverts("bounty: wrong deposit"):
        bounty.commit(alice, value=1)


def test_commit__when_the_cap_is_reached__reverts(make_bounty, alice, bob):
    b = make_bounty(max_submissions=2)
    b.commit(alice)
    b.commit(bob)
    with ape.reverts("bounty: submission cap reached"):
        b.commit(alice)


def test_commit__empty_commitment__reverts(bounty, alice):
    with ape.reverts("bounty: empty commitment"):
        bounty.contract.commit(b"\x00" * 32, sender=alice)
    # Only the low 255 bits are kept: 2**255 alone is empty too.
    with ape.reverts("bounty: empty commitment"):
        bounty.contract.commit((2**255).to_bytes(32, "big"), sender=alice)


def test_commit__after_cancel__reverts(bounty, organizer, alice):
    bounty.ext.cancel(sender=organizer)
    with ape.reverts("bounty: cancelled"):
        bounty.commit(alice)


# ---------------------------------------------------------------------------- reveal


def test_reveal__one_second_before_the_submission_deadline__reverts(bounty, alice):
    e = bounty.commit(alice)
    bounty.at(bounty.submission_deadline - 1)
    with ape.reverts("bounty: reveal window not open"):
        bounty.reveal(e)


def test_reveal__at_the_submission_deadline__succeeds(bounty, alice):
    e = bounty.commit(alice)
    bounty.at(bounty.submission_deadline)
    bounty.reveal(e)
    assert bounty.contract.revealed_count() == 1


def test_reveal__one_second_before_the_reveal_deadline__succeeds(bounty, alice):
    e = bounty.commit(alice)
    bounty.at(bounty.reveal_deadline - 1)
    bounty.reveal(e)


def test_reveal__at_the_reveal_deadline__reverts(bounty, alice):
    e = bounty.commit(alice)
    bounty.at(bounty.reveal_deadline)
    with ape.reverts("bounty: reveal window closed"):
        bounty.reveal(e)


def test_reveal__one_second_after_the_reveal_deadline__reverts(bounty, alice):
    e = bounty.commit(alice)
    bounty.at(bounty.reveal_deadline + 1)
    with ape.reverts("bounty: reveal window closed"):
        bounty.reveal(e)


def test_reveal__emits_every_hyperparameter_and_records_the_submitter(bounty, alice):
    hp = Hyperparameters(8, 1024, 8, "linear", "mean_squared_error", 0.9, 1.0)
    e = bounty.commit(alice, hp)
    bounty.to_reveal()
    receipt = bounty.reveal(e)
    (ev,) = receipt.decode_logs(bounty.contract.Revealed)
    assert ev.id == e.id
    got = decode_revealed(ev.hyperparameters)
    assert ev.hyperparameters == encode_revealed(hp.to_chain())
    assert got == hp.to_chain() == (8, 1024, 8, 7, 4, 9000, 1_000_000)
    assert Hyperparameters.from_chain(got) == hp
    s = bounty.contract.submission(e.id)
    assert (s.submitter, s.committed, s.revealed, s.eligible, s.claimed) == (alice.address, True, True, True, False)
    assert bounty.contract.commitment_of(e.id) == b"\x00" * 32


def test_reveal__keeps_the_deposit_until_settlement(make_bounty, alice):
    """A deposit comes back at settlement (`claim`), not at reveal: a revealed seat that scores below
    the minimum forfeits it."""
    b = make_bounty(commit_deposit=10**15)
    e = b.commit(alice)
    b.to_reveal()
    receipt = b.reveal(e)
    assert receipt.decode_logs(b.contract.Credited) == []
    assert b.contract.credits(alice) == 0
    assert b.contract.escrow() == 20 * 10**18 + 10**15
    assert b.contract.claimable(e.id) == 0  # not settled yet


def test_reveal__a_word_with_high_bits_set__reverts(bounty, alice):
    e = bounty.commit(alice)
    bounty.to_reveal()
    with ape.reverts("bounty: hyperparameters word has high bits set"):
        bounty.contract.reveal(e.id, encode_revealed(HP.to_chain()) | (1 << 96), e.salt, sender=alice)


def test_reveal__twice__reverts(bounty, alice):
    e = bounty.commit(alice)
    bounty.to_reveal()
    bounty.reveal(e)
    with ape.reverts("bounty: already revealed"):
        bounty.reveal(e)


def test_reveal__unknown_id__reverts(bounty, alice):
    bounty.commit(alice)
    bounty.to_reveal()
    with ape.reverts("bounty: unknown submission"):
        bounty.contract.reveal(1, encode_revealed(HP.to_chain()), salt_for(1), sender=alice)


def test_reveal__wrong_salt__reverts(bounty, alice):
    e = bounty.commit(alice)
    bounty.to_reveal()
    with ape.reverts("bounty: commitment mismatch"):
        bounty.contract.reveal(e.id, encode_revealed(HP.to_chain()), salt_for(99), sender=alice)


def test_reveal__different_hyperparameters__reverts(bounty, alice):
    e = bounty.commit(alice)
    bounty.to_reveal()
    other = Hyperparameters(3, 64, 1, "relu", "sparse_categorical_crossentropy")
    with ape.reverts("bounty: commitment mismatch"):
        bounty.contract.reveal(e.id, encode_revealed(other.to_chain()), e.salt, sender=alice)


def test_reveal__copied_commitment_by_another_address__reverts(bounty, alice, mallory):
    """Mallory copies Alice's commitment from the mempool; she cannot open it even knowing Alice's values."""
    c = bounty.contract
    a = bounty.commit(alice)
    copied = c.commit(commitment(c.address, alice.address, a.hp, a.salt), sender=mallory)
    copy_id = copied.decode_logs(c.Committed)[0].id
    bounty.to_reveal()
    bounty.reveal(a)  # Alice reveals first; Mallory now knows everything.
    with ape.reverts("bounty: commitment mismatch"):
        c.reveal(copy_id, encode_revealed(a.hp.to_chain()), a.salt, sender=mallory)
    assert c.revealed_count() == 1
    assert c.submission(copy_id).revealed is False


def test_reveal__front_run_by_another_address__reverts_and_the_owner_still_reveals(bounty, alice, mallory):
    """Mallory sees Alice's reveal transaction and sends the same call first, from her address."""
    a = bounty.commit(alice)
    bounty.to_reveal()
    with ape.reverts("bounty: commitment mismatch"):
        bounty.reveal(a, sender=mallory)
    bounty.reveal(a)
    assert bounty.contract.submission(a.id).submitter == alice.address


def test_reveal__commitment_bound_to_another_bounty__reverts(make_bounty, alice):
    one, two = make_bounty(), make_bounty()
    salt = salt_for(5)
    c = commitment(one.address, alice.address, HP, salt)
    two.contract.commit(c, sender=alice)
    two.to_reveal()
    with ape.reverts("bounty: commitment mismatch"):
        two.contract.reveal(0, encode_revealed(HP.to_chain()), salt, sender=alice)


@pytest.mark.parametrize(
    "index, value, field",
    [
        (0, 0, "lstm_layers"),
        (0, 9, "lstm_layers"),
        (1, 0, "lstm_units"),
        (1, 1025, "lstm_units"),
        (2, 9, "dense_layers"),
        (3, 8, "activation"),
        (4, 5, "loss"),
        (5, 9001, "dropout_bps"),
        (6, 0, "learning_rate_micro"),
        (6, 1_000_001, "learning_rate_micro"),
    ],
)
def test_reveal__out_of_range_value__reverts_naming_the_field(bounty, alice, index, value, field):
    """The values are committed as they are, so the range check (not the hash) must reject them."""
    from eth_abi import encode
    from eth_utils import keccak

    values = list(HP.to_chain())
    values[index] = value
    salt = salt_for(7)
    types = ["address", "address", "uint8", "uint16", "uint8", "uint8", "uint8", "uint16", "uint32", "bytes32"]
    c = keccak(encode(types, [bounty.address, alice.address, *values, salt]))
    bounty.contract.commit(c, sender=alice)
    bounty.to_reveal()
    with ape.reverts(f"bounty: {field} out of range"):
        bounty.contract.reveal(0, encode_revealed(values), salt, sender=alice)


def test_stage__follows_the_clock(bounty, chain):
    c = bounty.contract
    chain.mine(timestamp=bounty.submission_deadline - 1)
    assert c.stage() == Stage.SUBMISSION
    chain.mine(timestamp=bounty.submission_deadline)
    assert c.stage() == Stage.REVEAL
    chain.mine(timestamp=bounty.reveal_deadline - 1)
    assert c.stage() == Stage.REVEAL
    chain.mine(timestamp=bounty.reveal_deadline)
    assert c.stage() == Stage.EVALUATION
    chain.mine(timestamp=bounty.evaluation_deadline - 1)
    assert c.stage() == Stage.EVALUATION
    chain.mine(timestamp=bounty.evaluation_deadline)
    assert c.stage() == Stage.EXPIRED  # no arbiter: the challenge deadline is the evaluation deadline


# ------------------------------------------------------------------------ cost bound


def test_cost_of__equals_the_python_parameter_count(bounty):
    for hp in (HP, Hyperparameters(8, 1024, 8, "linear", "categorical_crossentropy"), Hyperparameters(1, 1, 0, "relu", "hinge")):
        assert bounty.ext.cost_of(hp.lstm_layers, hp.lstm_units, hp.dense_layers, LOSSES.index(hp.loss)) == parameter_count(
            hp, N_FEATURES
        )


@pytest.mark.parametrize("index, value", [(0, 0), (0, 9), (1, 0), (1, 1025), (2, 9), (3, 5)])
def test_cost_of__outside_the_chain_limits__reverts(bounty, index, value):
    args = [HP.lstm_layers, HP.lstm_units, HP.dense_layers, LOSSES.index(HP.loss)]
    args[index] = value
    with ape.reverts():
        bounty.ext.cost_of(*args)


@pytest.mark.parametrize("slack, ok", [(-1, False), (0, True), (1, True)])
def test_reveal__cost_one_below_at_or_above_the_bound(make_bounty, alice, slack, ok):
    """A reveal whose parameter count exceeds max_cost is refused (the flood defence), to the parameter."""
    cost = parameter_count(HP, N_FEATURES)
    b = make_bounty(max_cost=cost + slack)
    e = b.commit(alice)
    b.to_reveal()
    if ok:
        b.reveal(e)
        assert b.contract.revealed_count() == 1
    else:
        with ape.reverts("bounty: cost above max_cost"):
            b.reveal(e)
        assert b.contract.revealed_count() == 0
