"""minelaw: a knowledge base and reasoner for landmine and ERW obligations after armed conflict."""

__version__ = "0.1.0"

__all__ = ["__version__"]
