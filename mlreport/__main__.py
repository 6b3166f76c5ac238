"""`python -m mlreport`."""

from mlreport.cli import main

main()
