"""Grammar and schema files shipped as package data."""
