"""Password hashes for generated accounts: argon2id with the OWASP parameters, never plain.

Hashing costs ~50 ms each, so a run hashes a small pool of random passwords once and hands out
hashes from the pool. Salts come from the seeded generator, so the same seed gives the same
hashes (the data stays byte-identical); the passwords themselves are never stored or shown.
"""

from __future__ import annotations

import random
import string
from functools import lru_cache

from argon2 import PasswordHasher, Type

POOL_SIZE = 8
# OWASP Password Storage Cheat Sheet: argon2id, m=19456 KiB (19 MiB), t=2, p=1.
HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1, type=Type.ID)


@lru_cache(maxsize=4)
def hash_pool(seed: int, size: int = POOL_SIZE) -> tuple[str, ...]:
    """`size` argon2id hashes of random passwords, reproducible from `seed`."""
    rng = random.Random(f"{seed}:passwords")
    alphabet = string.ascii_letters + string.digits + "-_.!?"
    hashes = []
    for _ in range(size):
        password = "".join(rng.choice(alphabet) for _ in range(20))
        hashes.append(HASHER.hash(password, salt=rng.randbytes(16)))
    return tuple(hashes)
