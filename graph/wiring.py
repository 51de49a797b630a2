"""The build-time check that the domains are wired completely, so a gap fails at import.

Every model module has its graph package (`models/dialyse.py` -> `graph/dialyse/`), every
model a `@mirrored` declaration and a by-id loader, and every listed relation (a model's
one-to-many relationship) its named loader. (Who may follow a relation is the role matrix's
business: graph/permissions.py, checked by the relation fields themselves.)
"""

from __future__ import annotations

import importlib

from sqlalchemy.orm import RelationshipDirection, configure_mappers

import models
from graph.dataloaders import BY_ID, BY_RELATION
from graph.mirror import DECLARED, MirrorError
from graph.naming import pascal, plural
from models.base import Base


def domain_name(module: object) -> str:
    return str(getattr(module, "__name__", "")).rsplit(".", 1)[-1]


def domain_roots(kind: str) -> list[type]:
    """Each domain's `<Domain>Query` (from queries.py) or `<Domain>Mutation` (from
    mutations.py, where the domain has one), in the order of `models.DOMAINS`: adding a root
    field or a mutation touches only the domain's package."""
    part = {"Query": "queries", "Mutation": "mutations"}[kind]
    roots = []
    for module in models.DOMAINS:
        name = domain_name(module)
        try:
            found = importlib.import_module(f"graph.{name}.{part}")
        except ModuleNotFoundError as exc:
            if exc.name != f"graph.{name}.{part}":
                raise
            continue
        class_name = f"{pascal(name)}{kind}"
        if not hasattr(found, class_name):
            raise MirrorError(f"graph/{name}/{part}.py must define {class_name}")
        roots.append(getattr(found, class_name))
    return roots


def check_wiring() -> list[type]:
    """Import every domain's types and loaders, check them, and return the declared types."""
    configure_mappers()
    for module in models.DOMAINS:
        for part in ("types", "loaders"):
            importlib.import_module(f"graph.{domain_name(module)}.{part}")
    problems: list[str] = []
    for mapper in Base.registry.mappers:
        model = mapper.class_
        domain = f"graph/{model.__table__.info['module']}"
        if model not in DECLARED:
            problems.append(f"{model.__name__}: no @mirrored declaration in {domain}/types.py")
        if model not in BY_ID:
            problems.append(
                f"{model.__name__}: add {model.__name__}ByIdLoader to {domain}/loaders.py"
            )
        for relation in mapper.relationships:
            if relation.direction is not RelationshipDirection.ONETOMANY:
                continue
            child = relation.mapper.class_
            key = (child, str(relation.back_populates))
            if key not in BY_RELATION:
                name = f"{plural(child.__name__)}By{pascal(key[1])}Loader"
                child_domain = f"graph/{child.__table__.info['module']}"
                problems.append(
                    f"{model.__name__}.{relation.key}: add {name} to {child_domain}/loaders.py"
                )
    if problems:
        raise MirrorError(
            "the GraphQL domains are not wired completely:\n  " + "\n  ".join(problems)
        )
    return [DECLARED[mapper.class_].type for mapper in Base.registry.mappers]
