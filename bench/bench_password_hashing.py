"""Password hashing cost: PBKDF2-SHA256 against argon2id, at the strengths OWASP's Password Storage
Cheat Sheet calls equivalent, and at Django's own defaults. Prints hashes per second of one thread
(one login check = one hash) and the CPU seconds per hash.

    python bench/bench_password_hashing.py [--seconds 3]

OWASP (2023+): argon2id m=19 MiB, t=2, p=1 — or PBKDF2-HMAC-SHA256 with 600,000 iterations — "provide an
equal level of defense". Django 6's PBKDF2 default is 1,500,000 iterations; its Argon2 default
m=100 MiB, t=2, p=8. Jalin's choice (jalin/accounts/hashers.py) is printed last.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jalin.settings")


def measure(hasher, seconds: float) -> tuple[float, float]:
    encoded = hasher.encode("muatan-uji-Jalin-2026", hasher.salt())
    count, wall0, cpu0 = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - wall0 < seconds or count < 3:
        assert hasher.verify("muatan-uji-Jalin-2026", encoded)
        count += 1
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return count / wall, cpu / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time spent per hasher")
    args = parser.parse_args()
    import django

    django.setup()
    from django.contrib.auth.hashers import Argon2PasswordHasher, PBKDF2PasswordHasher

    from jalin.accounts.hashers import Argon2idHasher

    class Pbkdf2Owasp(PBKDF2PasswordHasher):
        iterations = 600_000

    class Argon2Owasp(Argon2PasswordHasher):
        time_cost, memory_cost, parallelism = 2, 19 * 1024, 1

    rows = [
        ("PBKDF2-SHA256 600k (OWASP minimum)", Pbkdf2Owasp()),
        ("PBKDF2-SHA256 1.5M (Django 6 default)", PBKDF2PasswordHasher()),
        ("argon2id m=19MiB t=2 p=1 (OWASP minimum)", Argon2Owasp()),
        ("argon2id m=100MiB t=2 p=8 (Django default)", Argon2PasswordHasher()),
        ((f"Jalin: argon2id m={Argon2idHasher.memory_cost // 1024}MiB t={Argon2idHasher.time_cost} "
         f"p={Argon2idHasher.parallelism}"), Argon2idHasher()),
    ]
    print(f"load average before: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} "
          f"on {os.cpu_count()} cores")
    print(f"{'hasher':48} {'hashes/s':>9} {'CPU ms/hash':>12}")
    for name, hasher in rows:
        rate, cpu = measure(hasher, args.seconds)
        print(f"{name:48} {rate:9.1f} {cpu * 1000:12.1f}")


if __name__ == "__main__":
    main()
