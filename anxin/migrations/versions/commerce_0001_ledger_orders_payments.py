"""commerce: ledger, catalog, orders, payments, refunds, payouts, idempotency keys, webhook inbox

Revision ID: commerce_0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "commerce_0001"
down_revision = None
branch_labels = ("commerce",)
depends_on = "core_0001"

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TS = sa.DateTime(timezone=True)
APPEND_ONLY_TABLES = ("ledger_transactions", "ledger_entries")


def _id() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("id", BigId, primary_key=True, autoincrement=True)


def upgrade() -> None:
    op.create_table(
        "ledger_accounts",
        _id(),
        sa.Column("code", sa.String(120), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("owner_id", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("guarded", sa.Boolean(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_accounts"),
        sa.UniqueConstraint("code", name="uq_ledger_accounts_code"),
    )
    op.create_table(
        "ledger_balances",
        sa.Column("account_id", BigId, nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name="pk_ledger_balances"),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["ledger_accounts.id"],
            name="fk_ledger_balances_account_id_ledger_accounts",
            ondelete="RESTRICT",
        ),
    )
    op.create_table(
        "ledger_transactions",
        _id(),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("reference", sa.String(120), nullable=False),
        sa.Column("order_id", sa.BigInteger(), nullable=True),
        sa.Column("refund_id", sa.BigInteger(), nullable=True),
        sa.Column("payout_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_transactions"),
        sa.UniqueConstraint("reference", name="uq_ledger_transactions_reference"),
    )
    op.create_index("ix_ledger_transactions_order_id", "ledger_transactions", ["order_id"])
    op.create_table(
        "ledger_entries",
        _id(),
        sa.Column("transaction_id", BigId, nullable=False),
        sa.Column("account_id", BigId, nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_entries"),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["ledger_transactions.id"],
            name="fk_ledger_entries_transaction_id_ledger_transactions",
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["ledger_accounts.id"],
            name="fk_ledger_entries_account_id_ledger_accounts",
            ondelete="RESTRICT",
        ),
    )
    op.create_index("ix_ledger_entries_transaction_id", "ledger_entries", ["transaction_id"])
    op.create_index("ix_ledger_entries_account_id", "ledger_entries", ["account_id", "id"])

    op.create_table(
        "commerce_items",
        _id(),
        sa.Column("item_type", sa.String(24), nullable=False),
        sa.Column("ref", sa.String(64), nullable=False),
        sa.Column("seller_id", sa.BigInteger(), nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("starts_at", TS, nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_commerce_items"),
        sa.UniqueConstraint("item_type", "ref", name="uq_commerce_items_item_type_ref"),
    )
    op.create_index("ix_commerce_items_seller_id", "commerce_items", ["seller_id"])
    op.create_table(
        "commerce_item_prices",
        _id(),
        sa.Column("item_id", BigId, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_commerce_item_prices"),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["commerce_items.id"],
            name="fk_commerce_item_prices_item_id_commerce_items",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("item_id", "currency", name="uq_commerce_item_prices_item_id_currency"),
    )
    op.create_table(
        "commerce_orders",
        _id(),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("client_id", sa.BigInteger(), nullable=False),
        sa.Column("item_id", BigId, nullable=True),
        sa.Column("item_type", sa.String(24), nullable=False),
        sa.Column("seller_id", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("payment_method", sa.String(16), nullable=False),
        sa.Column("commission_bp", sa.Integer(), nullable=False),
        sa.Column("refund_policy", sa.JSON(), nullable=False),
        sa.Column("service_starts_at", TS, nullable=True),
        sa.Column("consumed_bp", sa.Integer(), nullable=False),
        sa.Column("captured_amount", sa.BigInteger(), nullable=False),
        sa.Column("refunded_amount", sa.BigInteger(), nullable=False),
        sa.Column("allocated_gross", sa.BigInteger(), nullable=False),
        sa.Column("allocated_fee", sa.BigInteger(), nullable=False),
        sa.Column("refunded_after_allocation", sa.BigInteger(), nullable=False),
        sa.Column("fee_refunded", sa.BigInteger(), nullable=False),
        sa.Column("net_refunded_from_pending", sa.BigInteger(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("paid_at", TS, nullable=True),
        sa.Column("fulfilled_at", TS, nullable=True),
        sa.Column("allocated_at", TS, nullable=True),
        sa.Column("settled_at", TS, nullable=True),
        sa.Column("cancelled_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_commerce_orders"),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["commerce_items.id"],
            name="fk_commerce_orders_item_id_commerce_items",
            ondelete="RESTRICT",
        ),
    )
    op.create_index("ix_commerce_orders_client_id", "commerce_orders", ["client_id", "id"])
    op.create_index("ix_commerce_orders_seller_id", "commerce_orders", ["seller_id"])
    op.create_table(
        "commerce_order_events",
        _id(),
        sa.Column("order_id", BigId, nullable=False),
        sa.Column("from_status", sa.String(24), nullable=True),
        sa.Column("to_status", sa.String(24), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_commerce_order_events"),
        sa.ForeignKeyConstraint(
            ["order_id"], ["commerce_orders.id"], name="fk_commerce_order_events_order_id_commerce_orders"
        ),
    )
    op.create_index("ix_commerce_order_events_order_id", "commerce_order_events", ["order_id"])
    op.create_table(
        "commerce_payments",
        _id(),
        sa.Column("order_id", BigId, nullable=False),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("provider_ref", sa.String(120), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("captured_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_commerce_payments"),
        sa.ForeignKeyConstraint(
            ["order_id"], ["commerce_orders.id"], name="fk_commerce_payments_order_id_commerce_orders"
        ),
        sa.UniqueConstraint("provider", "provider_ref", name="uq_commerce_payments_provider_provider_ref"),
    )
    op.create_index("ix_commerce_payments_order_id", "commerce_payments", ["order_id"])
    op.create_table(
        "commerce_refunds",
        _id(),
        sa.Column("order_id", BigId, nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(500), nullable=True),
        sa.Column("destination", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("provider_ref", sa.String(120), nullable=True),
        sa.Column("requested_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("completed_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_commerce_refunds"),
        sa.ForeignKeyConstraint(
            ["order_id"], ["commerce_orders.id"], name="fk_commerce_refunds_order_id_commerce_orders"
        ),
    )
    op.create_index("ix_commerce_refunds_order_id", "commerce_refunds", ["order_id"])
    op.create_index("ix_commerce_refunds_provider_ref", "commerce_refunds", ["provider_ref"])
    op.create_table(
        "commerce_payouts",
        _id(),
        sa.Column("counsellor_id", sa.BigInteger(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("method", sa.String(24), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("bank_reference", sa.String(120), nullable=True),
        sa.Column("note", sa.String(500), nullable=True),
        sa.Column("decided_by", sa.BigInteger(), nullable=True),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("decided_at", TS, nullable=True),
        sa.Column("paid_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_commerce_payouts"),
    )
    op.create_index("ix_commerce_payouts_counsellor_id", "commerce_payouts", ["counsellor_id", "id"])
    op.create_table(
        "commerce_idempotency_keys",
        _id(),
        sa.Column("scope", sa.String(64), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("response_status", sa.Integer(), nullable=False),
        sa.Column("response_headers", sa.JSON(), nullable=False),
        sa.Column("response_body", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_commerce_idempotency_keys"),
        sa.UniqueConstraint("scope", "key", name="uq_commerce_idempotency_keys_scope_key"),
    )
    op.create_index("ix_commerce_idempotency_keys_created_at", "commerce_idempotency_keys", ["created_at"])
    op.create_table(
        "commerce_webhook_events",
        _id(),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("event_id", sa.String(255), nullable=False),
        sa.Column("event_type", sa.String(120), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("received_at", TS, nullable=False),
        sa.Column("processed_at", TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_commerce_webhook_events"),
        sa.UniqueConstraint("provider", "event_id", name="uq_commerce_webhook_events_provider_event_id"),
    )
    _append_only_triggers()


def _append_only_triggers() -> None:
    """Ledger rows can be inserted, never changed or removed; corrections are reversing postings."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            """
            CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'ledger rows are append-only (% on %)', TG_OP, TG_TABLE_NAME
                    USING ERRCODE = 'insufficient_privilege';
            END $$
            """
        )
        for table in APPEND_ONLY_TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION ledger_append_only()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only()"
            )
        return
    for table in APPEND_ONLY_TABLES:
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{action.lower()} BEFORE {action} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, 'ledger rows are append-only'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in APPEND_ONLY_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS ledger_append_only()")
    else:
        for table in APPEND_ONLY_TABLES:
            for action in ("update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{action}")
    for table in (
        "commerce_webhook_events",
        "commerce_idempotency_keys",
        "commerce_payouts",
        "commerce_refunds",
        "commerce_payments",
        "commerce_order_events",
        "commerce_orders",
        "commerce_item_prices",
        "commerce_items",
        "ledger_entries",
        "ledger_transactions",
        "ledger_balances",
        "ledger_accounts",
    ):
        op.drop_table(table)
