"""Adapters that let other frameworks use the knowledge base (each imports its framework alone)."""
