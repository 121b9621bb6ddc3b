"""How client secrets are stored: salted HMAC-SHA256 (PBKDF2 with one iteration), not a password KDF.

django-oauth-toolkit hashes client secrets with the first of `PASSWORD_HASHERS`, Django's PBKDF2 at
over a million iterations: about 0.4 s of CPU on every token request (each refresh and code
exchange checks the secret), three quarters of a worker's CPU under the load run. Key stretching
protects guessable secrets; these are 128 random characters from a 62-letter alphabet that the
server generates itself (DCR never lets a client choose one), so nobody can guess one however fast
the hash is. Secrets stored before keep their own hasher and still verify.
"""

from __future__ import annotations

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class ClientSecretHasher(PBKDF2PasswordHasher):
    algorithm = "kubemcp_client_secret"
    iterations = 1
