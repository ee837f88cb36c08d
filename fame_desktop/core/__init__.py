"""Qt-free core: images, faces, models, the FAME engine and attribution maps.

Nothing under this package may import Qt, so the CLI, tests and batch jobs run
without a display.
"""
