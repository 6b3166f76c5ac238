"""`python -m mlreport`."""

from mlreport.cli import run

run()
