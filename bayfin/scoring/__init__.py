"""Credit risk scoring (issue 7). So far: the pure engine's data reader, master scale and points."""
