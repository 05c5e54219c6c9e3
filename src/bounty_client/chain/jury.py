"""One deployed ``RerunJury`` (contracts/RerunJury.vy): :class:`Jury`, the client's only door to the
default arbiter.

A bounty names its arbiter at creation; when someone challenges a score or the test data, the
jury's named jurors each re-run the submission (``verify``), commit a sealed answer, reveal it, and
anyone resolves: the median goes to the bounty as the ruling.  As :class:`~bounty_client.chain.Bounty`
does for a bounty, this class owns every call to the jury: deploying one (:meth:`Jury.deploy`),
staking, its disputes (events joined with the views), a juror's commit and reveal, resolving and
withdrawing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import ArgumentError, ChainError, StageError
from ..protocol.wire import BPS, TEST_DATA_KEY, DisputeKind, checksum_address
from .clock import format_utc, mined_timestamp, relative_time
from .project import contract_at, contract_container

__all__ = ["Jury", "JuryDispute", "vote_commitment"]


def vote_commitment(jury: str, dispute_id: int, juror: str, answer: int, salt: bytes) -> bytes:
    """``keccak256(abi_encode(jury, dispute_id, juror, answer, salt))``: a juror's sealed answer."""
    from eth_abi import encode
    from eth_utils import keccak, to_checksum_address

    return keccak(encode(["address", "uint256", "address", "uint256", "bytes32"],
                         [to_checksum_address(jury), int(dispute_id), to_checksum_address(juror), int(answer),
                          bytes(salt)]))


@dataclass(frozen=True)
class JuryDispute:
    """One dispute a bounty opened at the jury (``dispute(id)`` and its ``DisputeCreated`` event).

    ``key`` is the submission id, or ``TEST_DATA_KEY`` (65536) for the test data; ``posted`` and
    ``claimed`` are bps (score disputes); deadlines in unix seconds; ``ruling`` (bps, or 1 / 0 for the
    test data) once ``ruled``."""

    id: int
    bounty: str
    key: int
    kind: DisputeKind
    posted: int
    claimed: int
    challenger: str
    commit_deadline: int
    reveal_deadline: int
    revealed: int
    resolved: bool
    ruled: bool
    ruling: int

    def describe(self) -> str:
        what = "the test data" if self.kind is DisputeKind.TEST_DATA else \
            f"#{self.key}'s score (posted {self.posted} bps, challenger claims {self.claimed})"
        state = ("ruled " + str(self.ruling)) if self.ruled else ("resolved without a ruling" if self.resolved
                                                                   else "open")
        return f"dispute {self.id} of {self.bounty}: {what}, {state}"


class Jury:
    """One deployed ``RerunJury``: ``Jury.at(address)`` (checks it runs the shipped RerunJury code)."""

    def __init__(self, contract: Any):
        self.contract = contract
        self.address = str(contract.address)

    def __repr__(self) -> str:
        return f"<Jury {self.address}>"

    @classmethod
    def at(cls, address: Any) -> "Jury":
        """The jury at ``address``.  Raises :class:`ArgumentError` for a string that is not an address and
        :class:`ChainError` when the code there is not the shipped ``RerunJury`` (another arbiter may
        implement ``IArbiter``, but this client only drives its own jury)."""
        from ape import chain

        address = checksum_address(address, "jury")
        code = bytes(chain.provider.get_code(address) or b"")
        runtime = contract_container("RerunJury").contract_type.runtime_bytecode
        expected = bytes.fromhex(((runtime.bytecode if runtime else None) or "0x").removeprefix("0x"))
        if not code:
            raise ChainError(f"no contract at {address} on this network")
        if not expected or not code.startswith(expected):
            raise ChainError(f"{address} is not a RerunJury (its code is not the shipped RerunJury's)")
        return cls(contract_at("RerunJury", address))

    @classmethod
    def deploy(cls, factory: Any, jurors: "list[Any]", *, sender: Any, stake: int, fee: int, commit_period: int,
               reveal_period: int, tolerance_bps: int, slash_bps: int, service_end: int) -> "Jury":
        """Deploy a jury over ``factory`` (its bounties may name it) with ``jurors`` (accounts or addresses;
        1..15, distinct), each to stake ``stake`` wei; ``fee`` wei per dispute; periods in seconds;
        bps tolerance and slash share; ``service_end`` unix seconds.  Raises :class:`ArgumentError`
        naming a bad term (before anything is sent)."""
        addresses = [checksum_address(j, "juror") for j in jurors]
        checks = [("jurors", 1 <= len(addresses) <= 15 and len(set(addresses)) == len(addresses),
                   "1 to 15 distinct addresses"),
                  ("stake", stake > 0, "a positive number of wei"), ("fee", fee > 0, "a positive number of wei"),
                  ("commit_period", commit_period > 0, "positive seconds"),
                  ("reveal_period", reveal_period > 0, "positive seconds"),
                  ("tolerance_bps", 0 <= tolerance_bps <= BPS, f"0..{BPS}"),
                  ("slash_bps", 0 <= slash_bps < BPS, f"0..{BPS - 1} (a juror slashed to nothing could stake again)"),
                  ("service_end", service_end > mined_timestamp(), "a time in the future")]
        for name, ok, rule in checks:
            if not ok:
                raise ArgumentError(f"jury {name}: must be {rule}")
        factory_address = str(getattr(factory, "address", factory))
        contract = contract_container("RerunJury").deploy(factory_address, addresses, stake, fee, commit_period,
                                                          reveal_period, tolerance_bps, slash_bps, service_end,
                                                          sender=sender)
        return cls(contract)

    # ------------------------------------------------------------- views
    def fee(self) -> int:
        """Wei per dispute, paid by the bounty with the ruling."""
        return int(self.contract.fee())

    def stake_required(self) -> int:
        return int(self.contract.STAKE())

    def jurors(self) -> list[str]:
        return [str(self.contract.jurors(i)) for i in range(int(self.contract.juror_count()))]

    def is_juror(self, account: Any) -> bool:
        return bool(self.contract.is_juror(str(getattr(account, "address", account))))

    def active(self) -> bool:
        """Every juror staked and the service not over: disputes are accepted."""
        return bool(self.contract.active())

    def periods(self) -> tuple[int, int]:
        """``(commit, reveal)`` seconds a dispute gives its jurors."""
        return int(self.contract.COMMIT_PERIOD()), int(self.contract.REVEAL_PERIOD())

    def resolve_margin(self) -> int:
        """``RESOLVE_MARGIN``: seconds a dispute must leave between its reveal deadline and the bounty's
        resolution deadline (for anyone to send ``resolve``)."""
        return int(self.contract.RESOLVE_MARGIN())

    def service_end(self) -> int:
        return int(self.contract.SERVICE_END())

    def stake_of(self, account: Any) -> int:
        return int(self.contract.stake_of(str(getattr(account, "address", account))))

    def credits(self, account: Any) -> int:
        return int(self.contract.credits(str(getattr(account, "address", account))))

    def dispute(self, dispute_id: int) -> JuryDispute:
        """Dispute ``dispute_id`` (views plus its ``DisputeCreated`` event for the challenger)."""
        from ape import chain

        d = self.contract.dispute(dispute_id)
        if int(str(d.bounty), 16) == 0:
            raise ArgumentError(f"dispute {dispute_id}: the jury {self.address} has no such dispute")
        logs = list(self.contract.DisputeCreated.range(0, chain.blocks.height + 1,
                                                       search_topics={"dispute_id": dispute_id}))
        challenger = str(logs[0].challenger) if logs else "0x" + "00" * 20
        key = int(d.key)
        return JuryDispute(dispute_id, str(d.bounty), key, DisputeKind(int(d.kind)), int(d.posted), int(d.claimed),
                           challenger, int(d.commit_deadline), int(d.reveal_deadline), int(d.revealed),
                           bool(d.resolved), bool(d.ruled), int(d.ruling))

    def disputes(self, bounty: "str | None" = None, *, open_only: bool = False) -> list[JuryDispute]:
        """Every dispute (of ``bounty`` only, if given), in id order; ``open_only``: not resolved yet."""
        from ape import chain

        topics = {"bounty": checksum_address(bounty, "bounty")} if bounty else None
        ids = [int(e.dispute_id) for e in self.contract.DisputeCreated.range(0, chain.blocks.height + 1,
                                                                              search_topics=topics)]
        out = [self.dispute(i) for i in sorted(ids)]
        return [d for d in out if not d.resolved] if open_only else out

    def vote(self, dispute_id: int, juror: Any) -> tuple[bool, bool, int]:
        """``(committed, revealed, answer)`` of ``juror`` in ``dispute_id``."""
        v = self.contract.vote(dispute_id, str(getattr(juror, "address", juror)))
        revealed = bool(v.revealed)
        return revealed or bytes(v.commitment) != bytes(32), revealed, int(v.value)

    # ------------------------------------------------------------- transactions
    def stake(self, *, sender: Any) -> Any:
        """A juror stakes exactly ``STAKE`` wei (once).  Raises :class:`ChainError` for a non-juror or a
        second stake (nothing sent)."""
        if not self.is_juror(sender):
            raise ChainError(f"cannot stake: {sender.address} is not a juror of {self.address}")
        if self.stake_of(sender):
            raise ChainError(f"cannot stake: {sender.address} has already staked in {self.address}")
        return self.contract.stake(sender=sender, value=self.stake_required())

    def commit_vote(self, dispute_id: int, answer: int, salt: bytes, *, sender: Any) -> Any:
        """Seal ``answer`` (bps for a score dispute; 1 wrong / 0 valid for test data) with ``salt`` (keep
        both: :meth:`reveal_vote` needs them).  Raises :class:`StageError` after the commit deadline,
        :class:`ArgumentError` for an answer out of range (nothing sent)."""
        d = self.dispute(dispute_id)
        self._check_answer(d, answer)
        now = mined_timestamp()
        if now >= d.commit_deadline:
            raise StageError(f"cannot commit in dispute {dispute_id}: its commit period ended "
                             f"{relative_time(d.commit_deadline, now)} ({format_utc(d.commit_deadline)})")
        if self.vote(dispute_id, sender)[0]:
            raise ChainError(f"{sender.address} already committed in dispute {dispute_id}")
        return self.contract.commit_vote(dispute_id, vote_commitment(self.address, dispute_id, sender.address,
                                                                     answer, salt), sender=sender)

    def reveal_vote(self, dispute_id: int, answer: int, salt: bytes, *, sender: Any) -> Any:
        """Open a sealed answer, from the commit deadline to the reveal deadline."""
        d = self.dispute(dispute_id)
        now = mined_timestamp()
        if now < d.commit_deadline:
            raise StageError(f"cannot reveal in dispute {dispute_id} yet: the commit period ends "
                             f"{relative_time(d.commit_deadline, now)} ({format_utc(d.commit_deadline)})")
        if now >= d.reveal_deadline:
            raise StageError(f"cannot reveal in dispute {dispute_id}: its reveal period ended "
                             f"{relative_time(d.reveal_deadline, now)}")
        return self.contract.reveal_vote(dispute_id, answer, bytes(salt), sender=sender)

    def resolve(self, dispute_id: int, *, sender: Any) -> Any:
        """Close a dispute once its reveal period is over (or every juror revealed): the median goes to the
        bounty.  Returns the receipt."""
        d = self.dispute(dispute_id)
        if d.resolved:
            raise ChainError(f"dispute {dispute_id} of {self.address} is already resolved")
        now = mined_timestamp()
        if now < d.reveal_deadline and not (now >= d.commit_deadline and d.revealed == len(self.jurors())):
            raise StageError(f"cannot resolve dispute {dispute_id} yet: its reveal period ends "
                             f"{relative_time(d.reveal_deadline, now)} ({format_utc(d.reveal_deadline)})")
        return self.contract.resolve(dispute_id, sender=sender)

    def withdraw(self, *, sender: Any) -> Any:
        if not self.credits(sender):
            raise ChainError(f"nothing to withdraw: {sender.address} has no credit in jury {self.address}")
        return self.contract.withdraw(sender=sender)

    @staticmethod
    def _check_answer(d: JuryDispute, answer: int) -> None:
        high = 1 if d.kind is DisputeKind.TEST_DATA or d.key == TEST_DATA_KEY else BPS
        if isinstance(answer, bool) or not isinstance(answer, int) or not 0 <= answer <= high:
            raise ArgumentError(f"answer: {'1 (the data is wrong) or 0 (valid)' if high == 1 else f'0..{BPS} bps'}, "
                                f"got {answer!r}")
