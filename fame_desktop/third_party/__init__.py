"""Code taken from other projects, each folder with its licence and a README saying what changed."""
