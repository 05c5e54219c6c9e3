"""The contract-side attacks of issue 10, one test per scenario, each with real transactions on Anvil.

Each test plays the attacker's deviation and checks two things: the attacker ends with no more
than the honest strategy gives it, and the honest parties get what the rules promise. Money is
counted from what each party paid into the bounty (value of its transactions) and what it
withdrew (``Withdrawn`` events), so gas never blurs a comparison.
"""

from __future__ import annotations

import os

import ape
import pytest
from bounty_harness import HP, N_FEATURES, REWARD, CreditReason, Outcome, Stage, salt_for

from bounty_client.protocol.hyperparams import Hyperparameters, parameter_count

DEPOSIT = 10**18  # 1 ETH, as in the selective-reveal sequence


def _settle_and_withdraw(b, accounts_) -> dict[str, int]:
    """Withdraw every credit of ``accounts_`` and claim what their submissions can; return what each
    address received."""
    return b.settle_all(accounts_)


def _net(received: dict[str, int], paid: dict[str, int], who) -> int:
    addresses = [a.address for a in who]
    return sum(received.get(a, 0) for a in addresses) - sum(paid.get(a, 0) for a in addresses)


# ------------------------------------------------------------------ selective reveal


def test_selective_reveal(make_bounty, organizer, alice, mallory):
    """Mallory commits three configurations, Alice one. Mallory would like to score her sealed commits on
    the test set and reveal only the best, dropping the others' deposits into the pot she wins. The test
    set cannot be opened while reveals are open, and dropped deposits go to the organizer: revealing a
    subset earns Mallory nothing and costs her the dropped deposits."""
    b = make_bounty(commit_deposit=DEPOSIT)
    honest = b.commit(alice)
    mine = [b.commit(mallory, Hyperparameters(1 + i, 16, 0, "relu", "sparse_categorical_crossentropy")) for i in range(3)]
    b.to_reveal()
    b.reveal(honest)
    # She cannot get the test data (or any score) before choosing: neither by the organizer's
    # reveal nor by the randomness that must come first.
    b.at(b.reveal_deadline - 1)
    with ape.reverts("bounty: reveal window still open"):
        b.reveal_test()
    b.at(b.reveal_deadline - 1)
    with ape.reverts("bounty: reveal window still open"):
        b.draw(sender=mallory)
    b.at(b.reveal_deadline - 1)
    b.reveal(mine[0])  # she reveals one, drops two
    b.open_test()
    b.score({honest.id: 6_000, mine[0].id: 9_000})  # her revealed one is the best
    b.contract.finalize(sender=organizer)

    assert b.contract.outcome() == Outcome.PRIZES
    # The winner gets the reward, not reward + dropped deposits; those are the organizer's.
    assert b.contract.credits(mallory) == REWARD + DEPOSIT
    assert b.contract.claimable(honest.id) == DEPOSIT
    assert b.contract.credits(organizer) == REWARD + 2 * DEPOSIT  # bond back + forfeits
    received = _settle_and_withdraw(b, [organizer, alice, mallory])
    paid = {mallory.address: 3 * DEPOSIT, alice.address: DEPOSIT, organizer.address: 2 * REWARD}
    selective = _net(received, paid, [mallory])
    # Honest strategy with the same scores: reveal all three, win the same reward, lose no deposit.
    assert selective == REWARD - 2 * DEPOSIT < REWARD
    assert _net(received, paid, [alice]) == 0  # Alice's deposit came back
    assert b.contract.balance == 0


# ----------------------------------------------------------------------------- flood


def test_flood(make_bounty, organizer, alice, mallory):
    """Mallory commits maximum-size configurations (8 LSTM layers of 1024 units, 8 Dense) to make the
    evaluation impossible in time and force the equal split. Every such reveal is refused by the cost
    bound; the organizer scores what is left, Alice wins the whole reward, Mallory loses her deposits."""
    bound = parameter_count(Hyperparameters(2, 64, 2, "relu", "sparse_categorical_crossentropy"), N_FEATURES)
    b = make_bounty(commit_deposit=DEPOSIT // 100, max_cost=bound)
    huge = Hyperparameters(8, 1024, 8, "relu", "sparse_categorical_crossentropy")
    assert b.ext.cost_of(8, 1024, 8, 0) == parameter_count(huge, N_FEATURES) > bound
    honest = b.commit(alice, HP)
    flood = [b.commit(mallory, huge) for _ in range(9)]
    b.to_reveal()
    b.reveal(honest)
    for e in flood:
        with ape.reverts("bounty: cost above max_cost"):
            b.reveal(e)
    assert b.contract.revealed_count() == 1
    b.open_test()
    b.score({honest.id: 7_000})
    b.contract.finalize(sender=organizer)  # no abandonment: everything revealed is scored
    assert b.contract.outcome() == Outcome.PRIZES
    assert b.contract.credits(alice) == REWARD + DEPOSIT // 100
    assert b.contract.credits(mallory) == 0
    received = _settle_and_withdraw(b, [organizer, alice, mallory])
    assert _net(received, {mallory.address: 9 * DEPOSIT // 100}, [mallory]) == -9 * DEPOSIT // 100
    assert received[organizer.address] == REWARD + 9 * DEPOSIT // 100  # bond + forfeited flood deposits


# ------------------------------------------------------------------ sock withholding


@pytest.mark.parametrize("socks, honest", [(2, 1), (3, 1), (1, 0)])
def test_sock_withholding(make_bounty, chain, accounts, organizer, socks, honest):
    """The organizer reveals S sock submissions next to H honest ones, reads the honest hyperparameters
    from the Revealed events and never posts the test data. After the evaluation deadline the reward is
    shared (S/(S+H) of it back through the socks) and the bond is burned: the organizer's coalition ends
    worse off than by evaluating honestly, and each honest participant gets its equal share."""
    sock_accounts = [accounts[5 + i] for i in range(socks)]
    honest_accounts = [accounts[1 + i] for i in range(honest)]
    coalition = [organizer, *sock_accounts]
    b = make_bounty()
    entries = [b.commit(a) for a in (*honest_accounts, *sock_accounts)]
    b.to_reveal()
    for e in entries:
        b.reveal(e)
    paid = {organizer.address: 2 * REWARD}  # reward + bond; deposits are 0
    snapshot = chain.snapshot()

    # Honest organizer: evaluates, the best (an honest participant if any) wins.
    b.open_test()
    b.score({e.id: (9_000 if i == 0 else 6_000) for i, e in enumerate(entries)})
    b.contract.finalize(sender=organizer)
    honest_net = _net(_settle_and_withdraw(b, coalition), paid, coalition)
    chain.restore(snapshot)

    # Withholding organizer: nothing posted; anyone finalizes after the deadline.
    b.to_expired()
    b.contract.finalize(sender=accounts[8])
    assert b.contract.outcome() == Outcome.SHARED
    assert b.contract.burned() == REWARD
    received = _settle_and_withdraw(b, [*coalition, *honest_accounts])
    withholding_net = _net(received, paid, coalition)

    share = REWARD // (socks + honest)
    assert withholding_net == socks * share + (REWARD - share * (socks + honest)) - 2 * REWARD
    assert withholding_net < honest_net
    assert withholding_net < -REWARD + 1  # never better than paying the whole reward
    for a in honest_accounts:
        assert received[a.address] == share
    assert b.contract.balance == REWARD == b.contract.burned()  # the bond is locked for good


# ------------------------------------------------------------------------------ spam

def _flood_then_score(b, honest_sender, flooder, junk, deposit):
    """``honest_sender`` commits once; ``flooder`` fills the other ``junk`` slots (the cap) with
    commitments nobody can open (``deposit`` wei each), so a second honest commit reverts at the
    cap; then the honest submission is revealed and scored 8000 bps.  Returns its entry."""
    honest = b.commit(honest_sender)
    for _ in range(junk):
        b.contract.commit(os.urandom(32), sender=flooder, value=deposit)
    with ape.reverts("bounty: submission cap reached"):
        b.commit(honest_sender)
    b.to_reveal()
    b.reveal(honest)
    b.open_test()
    b.score({honest.id: 8_000})
    return honest



def test_spam(make_bounty, accounts, organizer, alice, mallory):
    """Mallory fills the submission cap with junk commitments nobody can open, locking Alice out of a
    second commit. Each junk commit costs a deposit that ends with the organizer (the party the lock-out
    hurts), never with Mallory or the winner."""
    b = make_bounty(commit_deposit=DEPOSIT // 10, max_submissions=5)
    _flood_then_score(b, alice, mallory, 4, DEPOSIT // 10)
    receipt = b.contract.finalize(sender=organizer)
    forfeit = [e.amount for e in receipt.decode_logs(b.contract.Credited) if e.reason == CreditReason.FORFEIT]
    assert forfeit == [4 * DEPOSIT // 10]
    received = _settle_and_withdraw(b, [organizer, alice, mallory])
    assert mallory.address not in received
    assert received[alice.address] == REWARD + DEPOSIT // 10  # the reward exactly, plus her deposit back
    assert received[organizer.address] == REWARD + 4 * DEPOSIT // 10


# ---------------------------------------------------------- unrevealed deposits never to winners


@pytest.mark.parametrize("outcome", [Outcome.PRIZES, Outcome.REFUNDED, Outcome.SHARED])
def test_unrevealed_deposits_never_to_winners(make_bounty, organizer, alice, bob, carol, outcome):
    """Whatever the outcome, the deposits of commitments never revealed are credited to the organizer
    (FORFEIT); winners and sharers get only the reward."""
    b = make_bounty(commit_deposit=DEPOSIT, prize_shares=[5_000, 5_000])
    a, k = b.commit(alice), b.commit(bob)
    b.commit(carol)  # never revealed
    b.commit(carol)  # never revealed
    b.to_reveal()
    b.reveal(a)
    b.reveal(k)
    if outcome == Outcome.SHARED:
        b.to_expired()
        b.contract.finalize(sender=carol)
    else:
        b.open_test()
        b.score({a.id: 9_000 if outcome == Outcome.PRIZES else 100, k.id: 8_000 if outcome == Outcome.PRIZES else 100})
        receipt = b.contract.finalize(sender=organizer)
        forfeits = [e.amount for e in receipt.decode_logs(b.contract.Credited) if e.reason == CreditReason.FORFEIT]
        # REFUNDED: alice's and bob's scores are below the minimum, so their deposits are forfeited too.
        assert forfeits == [2 * DEPOSIT if outcome == Outcome.PRIZES else 4 * DEPOSIT]
    assert b.contract.outcome() == outcome
    received = _settle_and_withdraw(b, [organizer, alice, bob, carol])
    to_participants = received.get(alice.address, 0) + received.get(bob.address, 0)
    deposits_back = 2 * DEPOSIT if outcome != Outcome.REFUNDED else 0
    assert to_participants - deposits_back == {Outcome.PRIZES: REWARD, Outcome.REFUNDED: 0, Outcome.SHARED: REWARD}[outcome]
    assert carol.address not in received
    bond_back = 0 if outcome == Outcome.SHARED else REWARD
    forfeited = 2 * DEPOSIT if outcome != Outcome.REFUNDED else 4 * DEPOSIT
    assert received[organizer.address] == (REWARD - (to_participants - deposits_back)) + bond_back + forfeited


# ---------------------------------------------------------------------- randomness


def test_randomness_not_drawable_before_the_reveal_deadline_and_fixed_once(bounty, organizer, alice, mallory):
    """Nobody (participant or organizer) can draw while reveals are open, so no reveal can depend on it;
    the first draw fixes it and no second call (by the organizer either) can change it; test data and
    scores come only after it."""
    e = bounty.commit(alice)
    bounty.to_reveal()
    bounty.reveal(e)
    for who in (organizer, alice, mallory):
        bounty.at(bounty.reveal_deadline - 1)
        with ape.reverts("bounty: reveal window still open"):
            bounty.draw(sender=who)
    assert bounty.contract.randomness() == b"\x00" * 32
    bounty.at(bounty.reveal_deadline)
    with ape.reverts("bounty: randomness not drawn"):
        bounty.reveal_test()
    value = bounty.draw(sender=mallory).decode_logs(bounty.contract.RandomnessDrawn)[0].randomness
    for who in (organizer, alice, mallory):
        with ape.reverts("bounty: randomness already drawn"):
            bounty.draw(sender=who)
    assert bounty.contract.randomness() == value
    bounty.reveal_test()
    bounty.score({e.id: 7_000})
    assert bounty.contract.randomness() == value


# ====================================================================== client-side scenarios
# The client is the participant's and organizer's last line: these drive the client (bounty_client)
# against real transactions and check it never sends what would hurt its user.


def test_lookalike(lookalike, alice, chain, tmp_path):
    """Mallory deploys a contract that answers FACTORY() with itself and emitted a well-formed
    BountyCreated asking a 1 ETH deposit. Alice's client refuses it at Bounty.at (status, commit and every
    role command start there) and when handed the contract directly: no transaction, no deposit, Mallory
    gains nothing."""
    from bounty_client.chain import Bounty, contract_container
    from bounty_client.errors import NotABountyError
    from bounty_client.roles import Participant
    from bounty_client.roles.vault import Vault

    nonce, balance, held = alice.nonce, alice.balance, chain.provider.get_balance(lookalike.address)
    with pytest.raises(NotABountyError):
        Bounty.at(lookalike.address).status()
    with pytest.raises(NotABountyError):
        Participant(alice, None, vault=Vault(tmp_path)).commit(Bounty.at(lookalike.address), HP)
    with pytest.raises(NotABountyError):
        Bounty(contract_container("Bounty").at(lookalike.address))
    assert (alice.nonce, alice.balance) == (nonce, balance)
    assert chain.provider.get_balance(lookalike.address) == held and lookalike.submission_count() == 0


def test_claim(make_bounty, organizer, alice, mallory, accounts):
    """After an abandoned bounty Alice has 130 revealed submissions (more than one 128-id batch) and one she
    never revealed; Mallory has one. Alice's client claims exactly her revealed ids in two batches (the old
    client passed every committed id, so the unrevealed one reverted the whole claim). Mallory cannot
    claim Alice's ids and ends with exactly her one share."""
    from bounty_client.chain import Bounty
    from bounty_client.errors import ChainError
    from bounty_client.roles import Participant

    b = make_bounty(max_submissions=200)
    mine = [b.commit(alice, HP, salt=salt_for(1_000 + i)) for i in range(131)]
    theirs = b.commit(mallory)
    b.to_reveal()
    for e in mine[:130]:
        b.reveal(e)
    b.reveal(theirs)
    b.to_expired()
    b.contract.finalize(sender=accounts[8])
    assert b.contract.outcome() == Outcome.SHARED
    share = b.contract.abandon_share()
    assert share == REWARD // 131

    with ape.reverts("bounty: not your submission"):
        b.contract.claim([mine[0].id], sender=mallory)
    client = Bounty.at(b.address)
    assert client.claimable_ids(alice) == [e.id for e in mine[:130]]
    before = alice.balance
    receipts = Participant(alice, None).claim(client)
    assert [len(r.decode_logs(b.contract.Claimed)) for r in receipts] == [1, 1]  # two batches: 128 + 2
    gas = sum(r.total_fees_paid for r in receipts)
    assert alice.balance - before + gas == 130 * share  # paid at once (no deposit: the bounty has none)
    assert client.claimable_ids(alice) == []
    with pytest.raises(ChainError, match="nothing to claim"):  # nothing sent twice
        Participant(alice, None).claim(client)
    before = mallory.balance
    [receipt] = Participant(mallory, None).claim(client)
    assert mallory.balance - before + receipt.total_fees_paid == share


def test_stage_guard_boundaries(make_bounty, chain, alice, mallory, tmp_path):
    """Judged at the block the transaction lands in, not the latest one: at the reveal deadline minus one
    second Alice's client reveals (the old guard read a stale stage) and her deposit comes back, so the
    organizer collects no forfeit from a guard's mistake; at the submission deadline her client refuses
    a commit the contract would revert (no gas burned); Mallory's draw before the reveal deadline is
    refused too."""
    from bounty_client.chain import Bounty
    from bounty_client.errors import StageError
    from bounty_client.protocol.hyperparams import commitment
    from bounty_client.roles import Participant
    from bounty_client.roles.vault import Vault

    b = make_bounty(commit_deposit=DEPOSIT)
    vault = Vault(tmp_path)
    salt = salt_for(7)
    vault.save_submission(chain.chain_id, b.address, alice.address, commitment(b.address, alice.address, HP, salt),
                          salt, HP)
    entry = b.commit(alice, HP, salt=salt)
    client = Bounty.at(b.address)
    alice_role = Participant(alice, None, vault=vault)

    b.at(b.submission_deadline)  # the latest block is still before it
    nonce = alice.nonce
    with pytest.raises(StageError, match="in stage REVEAL"):
        client.require_stage("commit", Stage.SUBMISSION)
    b.at(b.reveal_deadline - 1)
    assert alice_role.reveal(client) == [entry.id]
    # revealed in time: her deposit is held for her until settlement (claimable then), not forfeited
    assert alice.nonce == nonce + 1 and b.contract.submission(entry.id).revealed
    b.at(b.reveal_deadline - 1)
    with pytest.raises(StageError, match="opens at"):
        client.draw_randomness(mallory)
    b.at(b.reveal_deadline)
    client.draw_randomness(mallory)
    assert b.contract.randomness_drawn()


def test_spam_default_deposit(make_bounty, organizer, alice, mallory):
    """With the client's default terms the deposit is 1% of the reward, never 0: Mallory filling the cap
    with junk pays max_submissions % of the reward, all of it to the organizer; Alice's one commit costs her
    nothing in the end."""
    from bounty_client.protocol.terms import BountyTerms

    terms = BountyTerms(reward=REWARD, max_submissions=20)
    assert terms.commit_deposit == REWARD // 100 > 0
    b = make_bounty(commit_deposit=terms.commit_deposit, max_submissions=terms.max_submissions)
    _flood_then_score(b, alice, mallory, terms.max_submissions - 1, terms.commit_deposit)
    b.contract.finalize(sender=organizer)
    received = _settle_and_withdraw(b, [organizer, alice, mallory])
    spent = (terms.max_submissions - 1) * terms.commit_deposit
    assert spent == 19 * REWARD // 100
    assert _net(received, {mallory.address: spent}, [mallory]) == -spent
    assert _net(received, {alice.address: terms.commit_deposit}, [alice]) == REWARD
    assert received[organizer.address] == REWARD + spent  # bond back + every junk deposit
