"""Care rooms: one per client–counsellor pair; messages, attachments, voice messages, calls, notes."""
