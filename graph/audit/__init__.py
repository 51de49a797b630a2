"""The audit domain of the GraphQL API."""
