"""The accountant's page: the guided notebook served by Voila on the loopback address, with a token.

- ``server``: settings, the kernels' environment and the Voila command line.
- ``selections``: the right pane's checked Client Numbers kept across a page reload.
"""

from smsync_core.app.selections import SelectionStore
from smsync_core.app.server import AppSettings, kernel_environment, serve

__all__ = ["AppSettings", "SelectionStore", "kernel_environment", "serve"]
