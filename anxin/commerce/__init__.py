"""Commerce: catalog prices, orders, payments, the double-entry ledger, refunds and payouts."""
