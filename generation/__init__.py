"""The student text generator and content builders (see issues 4 and 5)."""
