"""Checks of a document in front of the schema, for what its own validation cannot do.

- Introspection off (production): documents that ask for `__schema` or `__type` are refused.
  The schema is built once, at import, and Strawberry's validation cache keys on its rule list,
  so a rule that depends on the caller would need a second schema or defeat the cache. Here
  nothing is parsed unless the text mentions `__schema` or `__type` at all (a field name cannot
  be escaped or split); only then is the document parsed and checked with graphql-core's own
  `NoSchemaIntrospectionCustomRule`. `__typename` stays allowed: clients need it and it reveals
  nothing the response does not show.
- Numbers too long to be a value: graphql-core converts an Int literal with `int()`, which
  raises ValueError past 4,300 digits, and that would surface as an internal error. No Int,
  Float or ID literal needs more than `MAX_NUMBER_LENGTH` characters; the document is only
  tokenized when its text holds that many digits in a row.

Each check returns the errors that refuse the document, or None; a document that does not
parse is left for the schema to report.
"""

from __future__ import annotations

import re

from graphql import GraphQLError, GraphQLSchema, parse, validate
from graphql.language import Lexer, Source, TokenKind
from graphql.validation import NoSchemaIntrospectionCustomRule

MAX_NUMBER_LENGTH = 100
_MENTIONS_INTROSPECTION = re.compile(r"__(?:schema|type)(?![_0-9A-Za-z])")
_LONG_DIGITS = re.compile(rf"[0-9]{{{MAX_NUMBER_LENGTH},}}")
_NUMBERS = (TokenKind.INT, TokenKind.FLOAT)


def introspection_errors(
    schema: GraphQLSchema, query: str, max_tokens: int
) -> list[GraphQLError] | None:
    """The error that refuses `query` because it introspects the schema; None if it does not."""
    if _MENTIONS_INTROSPECTION.search(query) is None:
        return None
    try:
        document = parse(query, max_tokens=max_tokens)
    except GraphQLError:
        return None
    # The rule reports every field of an introspection type (`__schema`, then `queryType`, …):
    # the first says it all.
    return validate(schema, document, [NoSchemaIntrospectionCustomRule])[:1] or None


def number_errors(query: str, max_tokens: int) -> list[GraphQLError] | None:
    """The error that refuses a numeric literal longer than MAX_NUMBER_LENGTH; None if none."""
    if _LONG_DIGITS.search(query) is None:
        return None
    source = Source(query)
    lexer = Lexer(source)
    try:
        for _ in range(max_tokens):
            token = lexer.advance()
            if token.kind == TokenKind.EOF:
                return None
            if token.kind in _NUMBERS and len(token.value or "") > MAX_NUMBER_LENGTH:
                message = f"A number literal has more than {MAX_NUMBER_LENGTH} characters."
                return [GraphQLError(message, source=source, positions=[token.start])]
    except GraphQLError:
        return None  # a syntax error: the schema reports it
    return None  # over the token limit: the schema reports that
