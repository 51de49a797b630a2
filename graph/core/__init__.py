"""The core domain of the GraphQL API."""
