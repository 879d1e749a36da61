"""Madoguchi (窓口): command line, scenarios and shared glue between geo/, models/ and the app."""

__version__ = "0.1.0"
