"""regkb: a cited knowledge base of Chinese debt-collection compliance rules."""

__version__ = "0.1.0"
