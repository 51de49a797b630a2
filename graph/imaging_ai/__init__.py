"""The imaging_ai domain of the GraphQL API."""
