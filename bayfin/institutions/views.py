"""Pages for the institutions app: thin views over services and selectors."""
