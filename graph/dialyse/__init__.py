"""The dialyse domain of the GraphQL API."""
