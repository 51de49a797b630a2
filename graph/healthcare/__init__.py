"""The healthcare domain of the GraphQL API."""
