"""accounts: users and roles, login sessions, passwords, two-factor sign-in, password reset,
guardian consent for minors, and throttling of every guess at a secret."""
