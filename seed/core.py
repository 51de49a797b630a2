"""Tenancy and identity: organizations, their staff (global users), memberships and roles.

Staff size follows the number of patients so that workloads stay realistic (one dialysis nurse
per ~7 dialysis patients, one nephrologist per ~45...). From the second organization on, a
cardiologist of the previous one also works here: users are global, membership is per tenant.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import unicodedata
from collections.abc import Iterator, Sequence

from faker import Faker

from seed.context import Item, OrgContext, Row, history_start, local, new_id, stamps, table
from seed.options import SeedOptions

# role key -> (role name, permissions, patients per extra person)
STAFF: dict[str, tuple[str, tuple[str, ...], int]] = {
    "admin": ("administrator", ("*",), 2000),
    "nephrologist": (
        "nephrologist",
        ("patients:read", "patients:write", "dialyse:read", "dialyse:write", "dialyse:prescribe"),
        150,
    ),
    "nurse": ("nurse", ("patients:read", "dialyse:read", "dialyse:write", "rpm:read"), 25),
    "cardiologist": (
        "cardiologist",
        ("patients:read", "patients:write", "cardiology:read", "cardiology:write"),
        300,
    ),
    "ophthalmologist": (
        "ophthalmologist",
        ("patients:read", "patients:write", "ophthalmology:read", "ophthalmology:write"),
        350,
    ),
    "physician": ("general practitioner", ("patients:read", "patients:write", "*:read"), 400),
    "technician": ("technician", ("patients:read", "examinations:write", "imaging:write"), 300),
    "anesthesiologist": ("anaesthesiologist", ("patients:read", "ophthalmology:read"), 1000),
    "coordinator": ("care coordinator", ("patients:read", "rpm:read", "rpm:write"), 250),
    "front_desk": ("front desk", ("patients:read", "appointments:write", "portal:write"), 500),
}
BASE_COUNT = {"nurse": 2}
KINDS = ("Centre Hospitalier", "Clinique", "Polyclinique", "Centre de Santé", "Institut Médical")

T_ORG, T_USER, T_MEMBER = table("organizations"), table("users"), table("organization_members")
T_ROLE, T_USER_ROLE = table("roles"), table("user_roles")


def ascii_slug(text: str) -> str:
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")


def new_organization(
    options: SeedOptions, index: int, fake: Faker, hashes: Sequence[str], taken: set[str]
) -> OrgContext:
    """The context of organization `index`: identity and clock, before any row is made."""
    rng = random.Random(f"{options.seed}:{index}:organization")
    fake.seed_instance(f"{options.seed}:{index}:organization")
    name = f"{rng.choice(KINDS)} {fake.city()}"
    slug = ascii_slug(name)
    if slug in taken:
        slug = f"{slug}-{index + 1}"
    taken.add(slug)
    end = options.last_day
    return OrgContext(
        options=options,
        index=index,
        id=new_id(rng),
        name=name,
        slug=slug,
        fake=fake,
        hashes=hashes,
        start=history_start(end, options.months),
        end=end,
    )


def platform(options: SeedOptions, hashes: Sequence[str]) -> Iterator[Row]:
    """The platform's own super administrator: a user of no organization."""
    rng = random.Random(f"{options.seed}:platform")
    created = local(history_start(options.last_day, options.months + 24))
    yield (
        T_USER,
        {
            "id": new_id(rng),
            "email": "platform.admin@perfex-graph.example.org",
            "password_hash": rng.choice(hashes),
            "first_name": "Platform",
            "last_name": "Administrator",
            "is_email_verified": True,
            "platform_role": "super_admin",
            "last_login_at": min(local(options.last_day, 9, 12), options.clock),
            **stamps(created),
        },
    )


def staff_plan(patients: int) -> dict[str, int]:
    return {key: BASE_COUNT.get(key, 1) + patients // per for key, (_, _, per) in STAFF.items()}


def generate(ctx: OrgContext, guest: str | None = None) -> Iterator[Item]:
    """The organization row, its roles, its staff and their memberships."""
    rng, fake = ctx.rng("core"), ctx.faker("core")
    founded = local(history_start(ctx.start, 12 * rng.randint(3, 15)), 9)
    yield (
        T_ORG,
        {
            "id": ctx.id,
            "name": ctx.name,
            "slug": ctx.slug,
            "logo_url": ctx.url("branding", "logo.svg"),
            "settings": {"timezone": "Europe/Paris", "locale": "fr-FR", "currency": "EUR"},
            **stamps(founded, ctx.now - dt.timedelta(days=rng.randint(1, 60))),
        },
    )
    roles = {}
    for key, (name, permissions, _) in STAFF.items():
        roles[key] = new_id(rng)
        yield (
            T_ROLE,
            {
                "id": roles[key],
                "organization_id": ctx.id,
                "name": name,
                "permissions": list(permissions),
                **stamps(founded),
            },
        )
    emails: set[str] = set()
    for key, count in staff_plan(ctx.options.patients_per_org).items():
        for n in range(count):
            user = new_id(rng)
            female = rng.random() < 0.55
            first = fake.first_name_female() if female else fake.first_name_male()
            last = fake.last_name()
            email = f"{ascii_slug(first)}.{ascii_slug(last)}".replace("-", "")
            while email in emails:
                email += str(rng.randint(0, 9))
            emails.add(email)
            joined = founded + dt.timedelta(days=rng.randint(0, (ctx.now - founded).days // 2))
            login = ctx.now - dt.timedelta(minutes=rng.randint(10, 14 * 24 * 60))
            ctx.last_login[user] = login
            yield (
                T_USER,
                {
                    "id": user,
                    "email": f"{email}@{ctx.slug}.example.org",
                    "password_hash": rng.choice(ctx.hashes),
                    "first_name": first,
                    "last_name": last,
                    "avatar_url": ctx.url("avatars", f"{user}.jpg") if rng.random() < 0.4 else None,
                    "is_email_verified": rng.random() < 0.95,
                    "platform_role": "user",
                    "last_login_at": login,
                    **stamps(joined, login),
                },
            )
            role = "owner" if key == "admin" and n == 0 else "admin" if key == "admin" else "member"
            yield from _member(ctx, rng, user, role, roles[key], joined)
            ctx.staff[key].append(user)
    if guest is not None:
        # A consultant shared with the previous organization: a member here too.
        joined = local(ctx.start, 9) - dt.timedelta(days=rng.randint(30, 400))
        yield from _member(ctx, rng, guest, "member", roles["cardiologist"], joined)
        ctx.staff["cardiologist"].append(guest)


def _member(
    ctx: OrgContext, rng: random.Random, user: str, role: str, role_id: str, joined: dt.datetime
) -> Iterator[Row]:
    yield (
        T_MEMBER,
        {
            "id": new_id(rng),
            "organization_id": ctx.id,
            "user_id": user,
            "role": role,
            "joined_at": joined,
            **stamps(joined),
        },
    )
    yield (
        T_USER_ROLE,
        {
            "id": new_id(rng),
            "organization_id": ctx.id,
            "user_id": user,
            "role_id": role_id,
            **stamps(joined),
        },
    )
