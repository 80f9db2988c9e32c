"""The notifications API router (mounted at /api/v1/notifications/)."""

from ninja import Router

router = Router(tags=["notifications"])
