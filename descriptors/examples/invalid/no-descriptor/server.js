// Placeholder entry: this folder has no descriptor.json.
