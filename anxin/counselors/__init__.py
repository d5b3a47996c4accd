"""Counsellors: applications with credentials, verification, bilingual profiles, weekly availability
and the public directory."""
