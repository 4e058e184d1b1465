"""Identity and access: signing keys and platform tokens, local accounts with MFA, login
sessions with rotating refresh tokens, API clients, invitations and gemeente identity
providers."""
