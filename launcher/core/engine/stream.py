"""Read a long answer from the engine (a pull, an image export) so that Cancel,
pressed on another thread, closes the connection and ends the read at once."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests
import urllib3.exceptions

from launcher.core.errors import Cancelled
from launcher.core.operation import CancelToken

# What a read raises when the response is closed under it from another thread.
READ_ERRORS = (
    AttributeError,
    ValueError,
    OSError,
    requests.exceptions.RequestException,
    urllib3.exceptions.HTTPError,
)


@contextmanager
def closed_on_cancel(response: Any, cancel: CancelToken) -> Iterator[None]:
    """Within the block, cancelling closes ``response``; the read error that follows
    becomes ``Cancelled``. The response is closed when the block ends, whatever happens."""
    forget = cancel.on_cancel(response.close)
    try:
        yield
    except READ_ERRORS:
        if cancel.cancelled:
            raise Cancelled() from None
        raise
    finally:
        forget()
        response.close()
