"""The ophthalmology domain of the GraphQL API."""
