// Placeholder entry: this package only exists to be validated.
