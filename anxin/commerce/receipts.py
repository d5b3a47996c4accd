"""PDF receipts, written directly (one page, built-in Helvetica, no extra dependency).

The receipt holds only what a receipt needs — order number, dates, item type, amounts, payment
method, refunds — in ASCII, so the built-in font renders it without embedding a CJK font.
"""

from __future__ import annotations

from anxin.commerce.models import Order, Refund
from anxin.core import clock
from anxin.core.money import Money


def _pdf_text(value: str) -> str:
    ascii_only = value.encode("ascii", "replace").decode()
    return ascii_only.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def receipt_lines(order: Order, refunds: list[Refund]) -> list[str]:
    price = Money(order.amount, order.currency)
    lines = [
        "Anxin - receipt",
        "",
        f"Order number: {order.id}",
        f"Date: {clock.as_utc(order.paid_at or order.created_at).strftime('%Y-%m-%d %H:%M UTC')}",
        f"Item: {order.item_type}" + (f" #{order.item_id}" if order.item_id else ""),
        f"Amount: {price.format()}",
        f"Paid with: {order.payment_method}",
        f"Status: {order.status}",
    ]
    for refund in refunds:
        amount = Money(refund.amount, refund.currency)
        when = clock.as_utc(refund.created_at).strftime("%Y-%m-%d")
        lines.append(f"Refund {refund.id} ({when}): -{amount.format()} [{refund.status}]")
    if refunds:
        net = Money(order.captured_amount - order.refunded_amount, order.currency)
        lines.append(f"Total paid after refunds: {net.format()}")
    return lines


def receipt_pdf(order: Order, refunds: list[Refund]) -> bytes:
    commands = ["BT", "/F1 12 Tf", "72 770 Td", "16 TL"]
    for number, line in enumerate(receipt_lines(order, refunds)):
        if number == 0:
            commands.append(f"/F1 18 Tf ({_pdf_text(line)}) Tj /F1 12 Tf T*")
        else:
            commands.append(f"({_pdf_text(line)}) Tj T*")
    commands.append("ET")
    stream = "\n".join(commands).encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for index, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{index} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
