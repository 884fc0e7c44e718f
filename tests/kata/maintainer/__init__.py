"""The maintainer's tools: the generator, the new-network skeleton and the timing table."""
