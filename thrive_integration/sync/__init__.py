"""The import engine: generic over the resource declarations in `registry`."""
