"""ASGI entry point: HTTP through Django, WebSockets through Channels.

See docs/architecture.md for how a request flows through the apps.
"""

from __future__ import annotations

import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peercircle.config.settings")

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.core.asgi import get_asgi_application  # noqa: E402

django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402

from peercircle.config.routing import websocket_urlpatterns  # noqa: E402

# Everything loaded so far lives as long as the process: move it out of the
# garbage collector's reach so that collections stay short (fewer latency spikes).
gc.collect()
gc.freeze()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            AuthMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
