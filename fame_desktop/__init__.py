"""fame-desktop: forensic face comparison review with FAME explanations."""

__version__ = "0.1.0"
