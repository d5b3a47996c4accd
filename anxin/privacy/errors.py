"""Errors of the privacy module.

``KeyDestroyed`` is what a person may meet (their data, or someone's they could see, was erased);
the others are for operators and developers: they mean a configuration problem or tampering.
"""

from __future__ import annotations

from anxin.core.errors import AppError


class KeyDestroyed(AppError):
    """The data key that sealed this value was destroyed (crypto-shredding): it is gone for good."""

    status_code = 410
    code = "erased"
    default_message = "This information has been erased and can no longer be read."


class MasterKeyError(Exception):
    """The master key configuration is missing, malformed, or lacks a version still in use."""


class DecryptionError(Exception):
    """A sealed value failed authentication: wrong context, a swapped or altered blob, or a bad key."""
