"""Pages of the documents app."""
