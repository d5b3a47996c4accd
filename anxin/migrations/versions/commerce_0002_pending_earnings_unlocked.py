"""commerce: pending earnings are no longer a locked balance row; orders record what was shared

Pending earnings only ever lose what one order put in (a refund, a share, its settlement), each
bounded by that order's own row, so the account cannot go below zero and needs no cached balance
row that every purchase from a counsellor would lock. ``shared_amount`` is the part of an order's
net passed on by ``commerce.shares``.

Revision ID: commerce_0002
Revises: commerce_0001
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "commerce_0002"
down_revision = "commerce_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("commerce_orders") as batch:
        batch.add_column(sa.Column("shared_amount", sa.BigInteger(), nullable=False, server_default="0"))
    # What was shared so far is in the ledger (one "share:order:<id>" transaction per order).
    op.execute(
        "UPDATE commerce_orders SET shared_amount = COALESCE(("
        " SELECT SUM(e.amount) FROM ledger_entries e"
        " JOIN ledger_transactions t ON t.id = e.transaction_id"
        " JOIN ledger_accounts a ON a.id = e.account_id"
        " WHERE t.kind = 'share' AND t.order_id = commerce_orders.id AND a.kind = 'wallet'), 0)"
    )
    op.execute(
        "DELETE FROM ledger_balances WHERE account_id IN"
        " (SELECT id FROM ledger_accounts WHERE kind = 'earnings_pending')"
    )
    op.execute("UPDATE ledger_accounts SET guarded = false WHERE kind = 'earnings_pending'")


def downgrade() -> None:
    op.execute("UPDATE ledger_accounts SET guarded = true WHERE kind = 'earnings_pending'")
    op.execute(
        "INSERT INTO ledger_balances (account_id, balance)"
        " SELECT a.id, COALESCE((SELECT SUM(e.amount) FROM ledger_entries e WHERE e.account_id = a.id), 0)"
        " FROM ledger_accounts a WHERE a.kind = 'earnings_pending'"
    )
    with op.batch_alter_table("commerce_orders") as batch:
        batch.drop_column("shared_amount")
