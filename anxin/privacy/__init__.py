"""privacy: envelope encryption with per-owner data keys, the hash-chained audit log, consent
records, and the registry of export and erasure handlers behind every person's data rights.

See docs/privacy.md for the key hierarchy, the ciphertext format and the procedures.
"""
