"""Pages for the enterprises app: thin views over services and selectors."""
