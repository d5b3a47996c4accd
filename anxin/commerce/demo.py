"""Demo data: priced items from the demo counsellors and some money in the first demo client's
wallet, paid through the sandbox card (idempotent: running ``anxin demo`` again changes nothing)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from anxin.accounts import service as accounts
from anxin.accounts.demo import DEMO_ACCOUNTS
from anxin.accounts.identifiers import parse_identifier
from anxin.accounts.models import ROLE_CLIENT, ROLE_COUNSELLOR
from anxin.commerce import catalog, orders
from anxin.commerce.models import Order
from anxin.commerce.payments.sandbox import SUCCEEDING_CARD
from anxin.core import clock
from anxin.core.demo import demo_seeder
from anxin.core.money import Money

ITEMS = [
    (
        "article",
        "demo-sleep",
        "睡个好觉：写给焦虑时的你 / Sleeping well when anxious",
        {"CNY": 19_90, "USD": 2_99},
    ),
    ("course", "demo-breathing", "七天呼吸练习 / Seven days of calm breathing", {"CNY": 99_00, "USD": 14_00}),
    ("session", "demo-session", "50 分钟一对一咨询 / 50-minute one-to-one session", {"CNY": 300_00}),
]


async def _user_id(db: AsyncSession, email: str) -> int | None:
    user = await accounts.find_by_identifier(db, parse_identifier(email))
    return user.id if user else None


@demo_seeder("commerce")
async def seed_commerce(db: AsyncSession) -> list[str]:
    counsellors = [email for email, role, _ in DEMO_ACCOUNTS if role == ROLE_COUNSELLOR]
    clients = [email for email, role, _ in DEMO_ACCOUNTS if role == ROLE_CLIENT]
    seller = await _user_id(db, counsellors[0])
    client = await _user_id(db, clients[0])
    if seller is None or client is None:
        return ["no demo accounts: commerce demo data skipped"]
    lines = []
    for item_type, ref, title, prices in ITEMS:
        starts = clock.utcnow() + timedelta(days=3) if item_type == "session" else None
        item = await catalog.put_item(
            db, item_type=item_type, ref=ref, seller_id=seller, title=title, prices=prices, starts_at=starts
        )
        lines.append(f"{item_type:<8} /pay/{item.id}  {title}")
    has_orders = await db.scalar(select(func.count()).select_from(Order).where(Order.client_id == client))
    if not has_orders:
        await orders.top_up(
            db,
            client_id=client,
            amount=Money(500_00, "CNY"),
            method="sandbox",
            details={"card_number": SUCCEEDING_CARD},
        )
    lines.append(f"{clients[0]} has 500.00 CNY in the wallet (/wallet); sandbox card {SUCCEEDING_CARD}")
    return lines
