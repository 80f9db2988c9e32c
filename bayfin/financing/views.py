"""Pages for the financing app: thin views over services and selectors."""
