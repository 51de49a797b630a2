"""The cardiology domain of the GraphQL API."""
