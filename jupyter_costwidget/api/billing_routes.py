"""GET costwidget/api/billing: billed spend (Cost Explorer, budgets), cached on the server.

The browser only ever reads this route; Cost Explorer is asked by the server's
`BillingService` at most once per cache period, whatever the number of tabs.
"""

from __future__ import annotations

import tornado.web
from jupyter_server.auth.decorator import authorized

from jupyter_costwidget.api import models
from jupyter_costwidget.api.handlers import PolledHandler, running


class BillingHandler(PolledHandler):
    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        refresh = self.refresh_requested()
        if not self.costwidget.config.billing_enabled:
            self.write_model(models.Billing(enabled=False))
            return
        service = running(self.costwidget.billing, "billing service")
        self.write_model(models.Billing.model_validate(await service.get(refresh=refresh)))


ROUTES = [("billing", BillingHandler)]
