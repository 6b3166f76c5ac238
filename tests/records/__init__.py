"""Record loaders: one test module per record kind, plus the shared YAML and front matter reading."""
