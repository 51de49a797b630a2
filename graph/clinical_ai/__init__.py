"""The clinical_ai domain of the GraphQL API."""
