"""Articles: writing, publishing, the free preview and the paid part, buying once, refunds, bad input."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.appointments.support import Person, person
from tests.content.support import API, article_body, buy, key, orders_for, published, top_up, wallet_balance


async def test_preview_for_everyone_full_text_for_the_buyer(
    app: FastAPI, client: httpx.AsyncClient, author: Person
) -> None:
    item = await published(client, author)
    reader = await person(app)
    await top_up(client, reader)
    anonymous = (await client.get(f"{API}/items/{item['id']}")).json()
    assert "short" in anonymous["preview_html"] and anonymous["body_html"] is None
    assert "PAID-PART" not in str(anonymous)
    before = await wallet_balance(app, reader.id)
    bought = await buy(client, reader, item)
    assert bought.status_code == 201, bought.text
    assert await wallet_balance(app, reader.id) == before - 30_00
    full = (await client.get(f"{API}/items/{item['id']}", headers=reader.headers)).json()
    assert full["entitled"] is True and "PAID-PART" in full["body_html"]
    library = (await client.get(f"{API}/library", headers=reader.headers)).json()
    assert [row["id"] for row in library] == [item["id"]]


async def test_buying_twice_pays_once(app: FastAPI, client: httpx.AsyncClient, author: Person) -> None:
    item = await published(client, author)
    reader = await person(app)
    await top_up(client, reader)
    same = key()
    first = await buy(client, reader, item, **same)
    replay = await buy(client, reader, item, **same)
    assert first.status_code == replay.status_code == 201
    assert replay.content == first.content and replay.headers["Idempotent-Replayed"] == "true"
    again = await buy(client, reader, item)
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_owned"
    assert len(await orders_for(app, reader.id, "article")) == 1


async def test_refund_revokes_access_at_once(
    app: FastAPI, client: httpx.AsyncClient, author: Person, admin: Person
) -> None:
    item = await published(client, author)
    reader = await person(app)
    await top_up(client, reader)
    order_id = (await buy(client, reader, item)).json()["order_id"]
    refunded = await client.post(
        f"/api/v1/commerce/admin/orders/{order_id}/refunds",
        json={"amount": 30_00, "currency": "CNY", "reason": "asked for it"},
        headers={**admin.headers, **key()},
    )
    assert refunded.status_code == 201, refunded.text
    after = (await client.get(f"{API}/items/{item['id']}", headers=reader.headers)).json()
    assert after["entitled"] is False and after["body_html"] is None
    assert (await client.get(f"{API}/library", headers=reader.headers)).json() == []
    # They may buy it again after a refund.
    assert (await buy(client, reader, item)).status_code == 201


async def test_unpublished_and_deleted_items_are_not_found(
    app: FastAPI, client: httpx.AsyncClient, author: Person
) -> None:
    draft = (await client.post(f"{API}/items", json=article_body(), headers=author.headers)).json()
    reader = await person(app)
    await top_up(client, reader)
    assert (await client.get(f"{API}/items/{draft['id']}")).status_code == 404
    assert (await buy(client, reader, draft)).status_code == 404
    item = await published(client, author)
    assert (
        await client.post(f"{API}/items/{item['id']}/unpublish", headers=author.headers)
    ).status_code == 200
    assert (await client.get(f"{API}/items/{item['id']}", headers=reader.headers)).status_code == 404
    assert (await buy(client, reader, item)).status_code == 404
    assert (await client.delete(f"{API}/items/{draft['id']}", headers=author.headers)).status_code == 204
    assert (await client.get(f"{API}/items/{draft['id']}", headers=author.headers)).status_code == 404


async def test_bought_item_stays_readable_after_unpublishing(
    app: FastAPI, client: httpx.AsyncClient, author: Person
) -> None:
    item = await published(client, author)
    reader = await person(app)
    await top_up(client, reader)
    assert (await buy(client, reader, item)).status_code == 201
    await client.post(f"{API}/items/{item['id']}/unpublish", headers=author.headers)
    kept = (await client.get(f"{API}/items/{item['id']}", headers=reader.headers)).json()
    assert "PAID-PART" in kept["body_html"]


async def test_script_injection_is_never_rendered(
    app: FastAPI, client: httpx.AsyncClient, author: Person
) -> None:
    evil = (
        "<script>alert(1)</script>\n\n[x](javascript:alert(2)) <img src=x onerror=alert(3)>\n\n```\nunclosed"
    )
    item = await published(client, author, preview_md=evil, amount=0)
    html = (await client.get(f"{API}/items/{item['id']}")).json()["preview_html"]
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
    assert "&lt;script&gt;" in html  # shown as text, never run
    page = await client.get(f"/library/{item['id']}")
    assert page.status_code == 200 and "<script>alert" not in page.text


async def test_only_verified_counsellors_write(app: FastAPI, client: httpx.AsyncClient) -> None:
    unverified = await person(app, "counsellor")
    refused = await client.post(f"{API}/items", json=article_body(), headers=unverified.headers)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "verified_counsellors_only"
    reader = await person(app)
    assert (await client.post(f"{API}/items", json=article_body(), headers=reader.headers)).status_code == 403


async def test_browse_by_language_topic_author_and_most_bought(
    app: FastAPI, client: httpx.AsyncClient, author: Person
) -> None:
    english = await published(client, author, title="Sleep", topic="sleep")
    chinese = await published(client, author, language="zh", title="睡眠", topic="sleep")
    reader = await person(app)
    await top_up(client, reader)
    await buy(client, reader, chinese)
    zh = (await client.get(f"{API}/items", params={"language": "zh"})).json()
    assert [row["id"] for row in zh] == [chinese["id"]]
    by_topic = (await client.get(f"{API}/items", params={"topic": "sleep", "sort": "most_bought"})).json()
    assert [row["id"] for row in by_topic] == [chinese["id"], english["id"]]
    by_author = (await client.get(f"{API}/items", params={"author_id": author.id})).json()
    assert {row["id"] for row in by_author} == {english["id"], chinese["id"]}


async def test_a_suspended_item_is_withdrawn(
    app: FastAPI, client: httpx.AsyncClient, author: Person, admin: Person
) -> None:
    item = await published(client, author)
    reader = await person(app)
    await top_up(client, reader)
    suspended = await client.post(f"{API}/admin/items/{item['id']}/suspend", headers=admin.headers)
    assert suspended.status_code == 200 and suspended.json()["status"] == "suspended"
    assert (await client.get(f"{API}/items/{item['id']}", headers=reader.headers)).status_code == 404
    assert (await buy(client, reader, item)).status_code == 404
    again = await client.post(f"{API}/items/{item['id']}/publish", headers=author.headers)
    assert again.status_code == 403
    assert (
        await client.post(f"{API}/admin/items/{item['id']}/suspend", headers=author.headers)
    ).status_code == 403


async def test_opening_the_paid_part_uses_the_article(
    app: FastAPI, client: httpx.AsyncClient, author: Person
) -> None:
    item = await published(client, author)
    unread, read = await person(app), await person(app)
    for reader in (unread, read):
        await top_up(client, reader)
    unread_order = (await buy(client, unread, item)).json()["order_id"]
    read_order = (await buy(client, read, item)).json()["order_id"]
    assert "PAID-PART" in (await client.get(f"/library/{item['id']}", headers=read.headers)).text
    # The content policy refunds within 7 days only what was not used: an opened article was.
    kept = await client.post(
        f"/api/v1/commerce/orders/{read_order}/cancel", headers={**read.headers, **key()}
    )
    assert kept.status_code == 409 and kept.json()["error"]["code"] == "nothing_to_refund"
    back = await client.post(
        f"/api/v1/commerce/orders/{unread_order}/cancel", headers={**unread.headers, **key()}
    )
    assert back.status_code == 200, back.text
    assert (await client.get(f"{API}/items/{item['id']}", headers=unread.headers)).json()["entitled"] is False
