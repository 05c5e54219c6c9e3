"""What a person (or the future web explorer) reads about a bounty: the leaderboard and who was credited
what, and why.

Read-only views over :class:`~bounty_client.chain.Bounty` and the content store, returned as
DataFrames and lines of text::

    leaderboard(bounty, store)                   # scores on record, qualification, prizes, baseline, disputes
    explain_credits(bounty, receipt)             # who was credited what, and why
    disputes(bounty)                             # every challenge and its ruling
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ..protocol.wire import BPS, CreditReason, Stage
from ..storage.base import ContentStore

if TYPE_CHECKING:  # pragma: no cover
    from ..chain import Bounty

__all__ = ["credited", "disputes", "explain_credits", "leaderboard"]


def credited(bounty: "Bounty", receipts: Any = None) -> list[tuple[str, int, CreditReason]]:
    """``(account, amount in wei, reason)`` of every ``Credited`` event of ``bounty`` (or of ``receipts``,
    one transaction receipt or a list of them)."""
    return [(c.account, c.amount, c.reason) for c in bounty.credited(receipts)]


# One phrase per ``Credited.reason`` (every member of wire.CreditReason; a test checks none is missing).
_WHY = {CreditReason.PRIZE: "prize", CreditReason.REFUND: "refund of the reward (organizer)",
        CreditReason.DEPOSIT: "commit deposit back, with the prize", CreditReason.SHARE: "abandonment share",
        CreditReason.BOND: "bond back (organizer)",
        CreditReason.FORFEIT: "deposits of commitments never revealed or scored below the minimum (organizer)",
        CreditReason.CHALLENGE_BOND: "challenge bond (and fee) back",
        CreditReason.CHALLENGE_REWARD: "challenger's reward, from the organizer's bond",
        CreditReason.CHALLENGE_LOST: "bond of a rejected challenge (organizer)"}


def explain_credits(bounty: "Bounty", receipt: Any = None, account: "str | None" = None) -> list[str]:
    """One line per credit, ``"0xabc.. gets 0.9 ETH: prize"``: from the ``Credited`` events of
    ``receipt`` (one receipt or a list of them), else from every ``Credited`` event of ``bounty``
    (of ``account`` only, if given)."""
    rows = credited(bounty, receipt)
    if account is not None:
        rows = [r for r in rows if r[0].lower() == str(account).lower()]
    return [f"{who} gets {amount / 1e18:g} ETH: {_WHY[why]}" for who, amount, why in rows]


def leaderboard(bounty: "Bounty", store: ContentStore) -> Any:
    """Scores on record as a DataFrame, best first: ``submission_id``, ``submitter``, ``score_bps``
    (posted, or the arbiter's ruling where a challenge was upheld), ``qualifies`` (score >=
    ``min_accuracy``), ``prize_eth`` (credited once finalized, else what the current ranking would
    pay), ``dispute`` (``"open"``, ``"upheld (posted N)"``, ``"rejected"`` or empty) and, when the
    posted report is in ``store``, a last row for the majority-class baseline (always predicting the
    test part's most frequent class).  Before the challenge deadline every score is provisional
    (``status()`` says until when)."""
    import pandas as pd

    from ..ml.evaluation.result import EvaluationResult

    st = bounty.status()
    scores = dict(st.scores)
    _, reports = bounty.posted_scores()
    notes: dict[int, str] = {}
    for d in st.disputes:
        if d.kind.name == "SCORE":
            notes[d.key] = ("open" if d.open else f"upheld (posted {d.posted})" if d.upheld else "rejected")
    submitters = {s.id: s.submitter for s in bounty.revealed_submissions()}
    prizes: dict[int, float] = {}
    if st.stage is Stage.FINALIZED:
        paid: dict[str, int] = {}
        for who, amount, why in credited(bounty):
            if why is CreditReason.PRIZE:
                paid[who.lower()] = paid.get(who.lower(), 0) + amount
        for i, _ in st.ranking:  # a winner's credit per ranked id (one prize per id)
            who = submitters.get(i, "").lower()
            if who in paid:
                prizes[i] = paid.pop(who) / 1e18
    else:
        shares = list(st.prize_shares) or [BPS]
        for (i, _), share in zip(st.ranking, shares):
            prizes[i] = st.reward * share // BPS / 1e18
    rows = [{"submission_id": i, "submitter": submitters.get(i, "?"), "score_bps": s,
             "qualifies": s >= st.min_accuracy, "prize_eth": prizes.get(i, 0.0), "dispute": notes.get(i, "")}
            for i, s in scores.items()]
    rows.sort(key=lambda r: (-r["score_bps"], r["submission_id"]))
    baseline = None
    if reports and store.has(reports[-1]):
        try:
            baseline = EvaluationResult.from_report(json.loads(store.get(reports[-1]))).baseline_bps
        except Exception:  # noqa: BLE001 - an unreadable report only loses the baseline row
            baseline = None
    if baseline is not None:
        rows.append({"submission_id": "baseline", "submitter": "(always the majority class)",
                     "score_bps": int(baseline), "qualifies": int(baseline) >= st.min_accuracy, "prize_eth": 0.0,
                     "dispute": ""})
    frame = pd.DataFrame(rows, columns=["submission_id", "submitter", "score_bps", "qualifies", "prize_eth",
                                        "dispute"])
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="rank")
    return frame


def disputes(bounty: "Bounty") -> Any:
    """Every challenge of ``bounty`` as a DataFrame, in the order opened: ``key`` (submission id, or
    ``"test data"``), ``challenger``, ``posted_bps``, ``claimed_bps``, ``bond_eth``, ``fee_eth``,
    ``state`` (open / upheld / rejected), ``ruling`` and the transaction hashes."""
    import pandas as pd

    rows = []
    for d in bounty.disputes():
        data = d.kind.name == "TEST_DATA"
        rows.append({"key": "test data" if data else d.key, "challenger": d.challenger,
                     "posted_bps": None if data else d.posted, "claimed_bps": None if data else d.claimed,
                     "bond_eth": d.bond / 1e18, "fee_eth": d.fee / 1e18,
                     "state": "open" if d.open else "upheld" if d.upheld else "rejected",
                     "ruling": d.ruling, "tx": d.tx, "ruled_tx": d.ruled_tx})
    return pd.DataFrame(rows, columns=["key", "challenger", "posted_bps", "claimed_bps", "bond_eth", "fee_eth",
                                       "state", "ruling", "tx", "ruled_tx"])

