"""The population_health domain of the GraphQL API."""
