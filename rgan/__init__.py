"""RGAN Studio: recurrent GANs for time series."""

__version__ = "0.1.0"
