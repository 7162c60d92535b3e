"""plivocb: catch, record, verify and replay Plivo callbacks."""

__version__ = "0.1.0"
