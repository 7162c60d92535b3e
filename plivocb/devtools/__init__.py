"""Developer tools (not used by the `plivocb` command)."""
