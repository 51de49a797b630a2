"""The patient_portal domain of the GraphQL API."""
