"""The rpm domain of the GraphQL API."""
