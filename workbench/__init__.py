"""workbench: SOC 2 and SOX controls side by side, at the terminal."""

__version__ = "0.1.0"
