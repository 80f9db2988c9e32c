"""The documents API router (mounted at /api/v1/documents/)."""

from ninja import Router

router = Router(tags=["documents"])
