"""The double-entry ledger: the ONLY writer of ledger rows.

Every posting is one ``ledger_transactions`` row with two or more ``ledger_entries`` whose signed
amounts sum to zero per currency (checked here before anything is written, and again by
``reconcile``). Rows are never updated or deleted (a database trigger refuses it); a mistake is
corrected by a reversing posting.

Sign convention: an account's balance is the sum of its entries. A client's wallet and a
counsellor's earnings are positive when the platform owes them money; the provider clearing
accounts mirror the outside world and run negative as money comes in.

Guarded accounts (wallets, available earnings, payouts in transit) may never go below zero. Their
balance is cached in ``ledger_balances`` and the row is locked (``SELECT … FOR UPDATE`` on
PostgreSQL; SQLite serialises writers with ``BEGIN IMMEDIATE``) before it changes, always in one
global order (``LOCK_RANK``, then account id) so two postings never wait on each other in a cycle.
Every other account has no cached row and is never locked; its balance is the sum of its entries:
the platform's accounts (escrow, commission, clearing: locking them would serialise every
purchase) and a counsellor's pending earnings, which every purchase from that counsellor credits.
Pending earnings still never go below zero, by construction rather than by a lock: only three
things take money out of them (a refund, a share, the order's settlement), each bounded by what
that one order put in and not yet gave back, under that order's row lock; ``reconcile`` proves it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, insert, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.commerce.errors import AvailableBalanceTooLow, InsufficientFunds
from anxin.commerce.models import LedgerAccount, LedgerBalance, LedgerEntry, LedgerTransaction
from anxin.core import clock
from anxin.core.errors import AppError
from anxin.core.money import MINOR_UNIT_DIGITS, Money

# Account kinds (the chart of accounts).
WALLET = "wallet"
EARNINGS_PENDING = "earnings_pending"
EARNINGS_AVAILABLE = "earnings_available"
PAYOUTS_IN_TRANSIT = "payouts_in_transit"
ESCROW = "platform_escrow"
COMMISSION = "platform_commission"
PROVIDER_CLEARING = "provider_clearing"
REFUNDS_PAYABLE = "refunds_payable"
PAYOUT_CLEARING = "payout_clearing"

GUARDED_KINDS = frozenset({WALLET, EARNINGS_AVAILABLE, PAYOUTS_IN_TRANSIT})
# Never below zero although not guarded (see the module's docstring); reconcile checks them.
NON_NEGATIVE_KINDS = frozenset({EARNINGS_PENDING, ESCROW, REFUNDS_PAYABLE})
# The one order in which balance rows are locked: by kind in this order, then by account id. Every
# unit of work takes its locks in this order (also across several postings), so no two ever wait
# in a cycle. A purchase locks only the buyer's wallet.
LOCK_RANK = {WALLET: 0, EARNINGS_AVAILABLE: 2, PAYOUTS_IN_TRANSIT: 3}
# What a person is told when a posting would take their account below zero.
SHORTFALL_ERRORS: dict[str, type[AppError]] = {
    WALLET: InsufficientFunds,
    EARNINGS_AVAILABLE: AvailableBalanceTooLow,
}


class LedgerError(ValueError):
    """A posting that breaks the ledger's rules: a bug in the caller, never the user's input."""


@dataclass(frozen=True, slots=True)
class AccountSpec:
    code: str
    kind: str
    currency: str
    owner_id: int | None = None

    @property
    def guarded(self) -> bool:
        return self.kind in GUARDED_KINDS


def _check_currency(currency: str) -> None:
    if currency not in MINOR_UNIT_DIGITS:
        raise LedgerError(f"unsupported currency {currency!r}")


def _owned(kind: str, role: str, owner_id: int, currency: str) -> AccountSpec:
    _check_currency(currency)
    return AccountSpec(f"{kind}:{role}:{owner_id}:{currency}", kind, currency, owner_id)


def _platform(kind: str, currency: str, qualifier: str | None = None) -> AccountSpec:
    _check_currency(currency)
    middle = f":{qualifier}" if qualifier else ""
    return AccountSpec(f"{kind}{middle}:{currency}", kind, currency)


def wallet(client_id: int, currency: str) -> AccountSpec:
    return _owned(WALLET, "client", client_id, currency)


def earnings_pending(counsellor_id: int, currency: str) -> AccountSpec:
    return _owned(EARNINGS_PENDING, "counsellor", counsellor_id, currency)


def earnings_available(counsellor_id: int, currency: str) -> AccountSpec:
    return _owned(EARNINGS_AVAILABLE, "counsellor", counsellor_id, currency)


def payouts_in_transit(counsellor_id: int, currency: str) -> AccountSpec:
    return _owned(PAYOUTS_IN_TRANSIT, "counsellor", counsellor_id, currency)


def escrow(currency: str) -> AccountSpec:
    return _platform(ESCROW, currency)


def commission(currency: str) -> AccountSpec:
    return _platform(COMMISSION, currency)


def provider_clearing(provider: str, currency: str) -> AccountSpec:
    return _platform(PROVIDER_CLEARING, currency, provider)


def refunds_payable(currency: str) -> AccountSpec:
    return _platform(REFUNDS_PAYABLE, currency)


def payout_clearing(method: str, currency: str) -> AccountSpec:
    return _platform(PAYOUT_CLEARING, currency, method)


@dataclass(frozen=True, slots=True)
class Posting:
    account: AccountSpec
    amount: Money


def check_balanced(postings: Sequence[Posting]) -> None:
    """Refuse a posting set that does not sum to zero per currency (before anything is written)."""
    if len(postings) < 2:
        raise LedgerError("a ledger transaction needs at least two entries")
    totals: dict[str, int] = defaultdict(int)
    for posting in postings:
        if posting.amount.currency != posting.account.currency:
            raise LedgerError(f"{posting.amount.currency} entry on {posting.account.code}")
        if posting.amount.amount == 0:
            raise LedgerError(f"zero entry on {posting.account.code}")
        totals[posting.amount.currency] += posting.amount.amount
    unbalanced = {currency: total for currency, total in totals.items() if total != 0}
    if unbalanced:
        raise LedgerError(f"entries do not sum to zero: {unbalanced}")


# Accounts already read or created in this unit of work, by code (``db.info`` lives as long as the
# unit of work): a purchase's two postings then look its accounts up once.
_KNOWN_ACCOUNTS = "anxin_ledger_accounts"


def _known_accounts(db: AsyncSession) -> dict[str, LedgerAccount]:
    known: dict[str, LedgerAccount] = db.info.setdefault(_KNOWN_ACCOUNTS, {})
    return known


async def ensure_accounts(db: AsyncSession, specs: Iterable[AccountSpec]) -> dict[str, LedgerAccount]:
    """The accounts for ``specs`` by code, created on first use (safe under concurrency)."""
    wanted = {spec.code: spec for spec in specs}
    known = _known_accounts(db)
    # An account created in a savepoint that was rolled back since is no longer persistent.
    found = {code: known[code] for code in wanted if code in known and sa_inspect(known[code]).persistent}
    missing = [code for code in wanted if code not in found]
    if missing:
        rows = await db.scalars(select(LedgerAccount).where(LedgerAccount.code.in_(missing)))
        found.update({row.code: row for row in rows.all()})
    if len(found) < len(wanted):
        # Whatever the caller has pending is written outside the savepoints below, so that a lost
        # race for an account (the savepoint rolled back) cannot take the caller's rows with it.
        await db.flush()
    for code, spec in wanted.items():
        if code in found:
            continue
        account = LedgerAccount(
            code=code,
            kind=spec.kind,
            owner_id=spec.owner_id,
            currency=spec.currency,
            guarded=spec.guarded,
            created_at=clock.utcnow(),
        )
        try:
            # A savepoint: a concurrent creator of the same account wins and we read theirs.
            async with db.begin_nested():
                db.add(account)
                await db.flush()
                if spec.guarded:
                    db.add(LedgerBalance(account_id=account.id, balance=0))
                    await db.flush()
        except IntegrityError:
            existing = await db.scalar(select(LedgerAccount).where(LedgerAccount.code == code))
            if existing is None:
                raise
            account = existing
        found[code] = account
    known.update(found)
    return found


async def lock(db: AsyncSession, specs: Iterable[AccountSpec]) -> dict[str, int]:
    """Lock the balance rows of the guarded accounts among ``specs`` (in ``LOCK_RANK`` order);
    returns their balances by code. A unit of work that needs a balance before posting (refunds
    read the counsellor's available money) locks everything it will touch here, first."""
    accounts = await ensure_accounts(db, specs)
    guarded = [a for a in accounts.values() if a.guarded]
    if not guarded:
        return {}
    rows = await _lock_rows(db, guarded)
    return {a.code: rows[a.id].balance for a in guarded}


def _lock_key(account: LedgerAccount) -> tuple[int, int]:
    return LOCK_RANK[account.kind], account.id


async def _lock_rows(db: AsyncSession, accounts: Iterable[LedgerAccount]) -> dict[int, LedgerBalance]:
    """Lock balance rows one kind at a time, in ``LOCK_RANK`` order (ids ascending within a kind)."""
    if any(isinstance(row, LedgerBalance) for row in db.dirty):
        # A balance changed by an earlier posting and not written yet (the caller may have turned
        # autoflush off): write it before the read below reloads the rows.
        await db.flush()
    by_rank: dict[int, list[int]] = defaultdict(list)
    for account in sorted(set(accounts), key=_lock_key):
        by_rank[LOCK_RANK[account.kind]].append(account.id)
    rows: dict[int, LedgerBalance] = {}
    for rank in sorted(by_rank):
        locked = await db.scalars(
            select(LedgerBalance)
            .where(LedgerBalance.account_id.in_(by_rank[rank]))
            .order_by(LedgerBalance.account_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        rows.update({row.account_id: row for row in locked.all()})
    return rows


async def post(
    db: AsyncSession,
    *,
    kind: str,
    reference: str,
    postings: Sequence[Posting],
    order_id: int | None = None,
    refund_id: int | None = None,
    payout_id: int | None = None,
) -> int | None:
    """Write one balanced transaction and return its id; ``None`` if ``reference`` was already
    posted (run twice).

    Raises the person-facing shortfall error (e.g. ``InsufficientFunds``) when a guarded account
    would go below zero; the caller's unit of work then rolls back and nothing has changed.
    """
    check_balanced(postings)
    accounts = await ensure_accounts(db, (p.account for p in postings))
    changes: dict[int, int] = defaultdict(int)
    for posting in postings:
        account = accounts[posting.account.code]
        if account.guarded:
            changes[account.id] += posting.amount.amount
    guarded = [a for a in accounts.values() if a.id in changes]
    balances = await _lock_rows(db, guarded) if guarded else {}
    for account in guarded:
        if balances[account.id].balance + changes[account.id] < 0:
            if await _posted(db, reference):
                return None
            error = SHORTFALL_ERRORS.get(account.kind)
            if error is None:
                raise LedgerError(f"{account.kind} account {account.id} would go below zero")
            raise error()
    # Claims the reference in the same statement that writes the transaction (unique index).
    dialect_insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    transaction_id = await db.scalar(
        dialect_insert(LedgerTransaction)
        .values(
            kind=kind,
            reference=reference,
            order_id=order_id,
            refund_id=refund_id,
            payout_id=payout_id,
            created_at=clock.utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["reference"])
        .returning(LedgerTransaction.id)
    )
    if transaction_id is None:
        return None
    await db.execute(
        insert(LedgerEntry),
        [
            {
                "transaction_id": transaction_id,
                "account_id": accounts[p.account.code].id,
                "amount": p.amount.amount,
                "currency": p.amount.currency,
            }
            for p in postings
        ],
    )
    # Written with the unit of work's next flush (its next query, or the commit), together with
    # whatever else it has pending.
    for account_id, change in changes.items():
        balances[account_id].balance += change
    return int(transaction_id)


async def _posted(db: AsyncSession, reference: str) -> bool:
    found = await db.scalar(select(LedgerTransaction.id).where(LedgerTransaction.reference == reference))
    return found is not None


async def balance(db: AsyncSession, spec: AccountSpec) -> Money:
    """The account's balance: the sum of its entries (zero for an account never used)."""
    account_id = await db.scalar(select(LedgerAccount.id).where(LedgerAccount.code == spec.code))
    if account_id is None:
        return Money(0, spec.currency)
    if spec.guarded:
        cached = await db.scalar(select(LedgerBalance.balance).where(LedgerBalance.account_id == account_id))
        return Money(int(cached or 0), spec.currency)
    total = await db.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0)).where(LedgerEntry.account_id == account_id)
    )
    return Money(int(total or 0), spec.currency)


@dataclass(frozen=True, slots=True)
class Movement:
    transaction_id: int
    kind: str
    order_id: int | None
    amount: Money
    at_iso: str


async def movements(db: AsyncSession, spec: AccountSpec, *, limit: int = 100) -> list[Movement]:
    """The newest entries of one account (a client's wallet statement), newest first."""
    rows = (
        await db.execute(
            select(LedgerEntry.amount, LedgerTransaction)
            .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
            .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
            .where(LedgerAccount.code == spec.code)
            .order_by(LedgerEntry.id.desc())
            .limit(limit)
        )
    ).all()
    return [
        Movement(
            transaction_id=txn.id,
            kind=txn.kind,
            order_id=txn.order_id,
            amount=Money(int(amount), spec.currency),
            at_iso=clock.as_utc(txn.created_at).isoformat(),
        )
        for amount, txn in rows
    ]
