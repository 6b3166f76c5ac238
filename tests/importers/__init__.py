"""Importers and exporters: the shared writer, then one test module per tool, each through the real library."""
