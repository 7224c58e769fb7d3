"""Imports every model so that Alembic and create_all see the whole schema."""

from portal.accounts.models import Role, User  # noqa: F401
from portal.audit.models import AuditEntry  # noqa: F401
from portal.callbacks.models import CallbackRequest  # noqa: F401
from portal.catalogue.models import Variant  # noqa: F401
from portal.chat.models import AgentPresence, ChatMessage, ChatSession  # noqa: F401
from portal.claims.models import Claim, ClaimOffer, ClaimPhoto  # noqa: F401
from portal.feedback.models import FeedbackAnswer, FeedbackRequest  # noqa: F401
from portal.help.models import HelpArticle, HelpArticleText  # noqa: F401
from portal.instalments.models import Instalment, InstalmentPlan  # noqa: F401
from portal.integrations.models import WebhookDelivery, WebhookEndpoint  # noqa: F401
from portal.jobs.models import FailedJob  # noqa: F401
from portal.merchants.models import ApiKey, Merchant  # noqa: F401
from portal.notifications.models import OutboxMessage  # noqa: F401
from portal.orders.models import (  # noqa: F401
    Customer,
    Order,
    OrderItem,
    Payment,
    Shipment,
    TrackingEvent,
    TrackingStatus,
)
from portal.payments.models import (  # noqa: F401
    Charge,
    ProcessedEvent,
    ProviderSwitch,
    Refund,
    RefundStatus,
    SimulatedTransaction,
    StoreCreditMovement,
)
from portal.returns.models import ReturnItem, ReturnRequest  # noqa: F401
from portal.support.models import CannedReply, Ticket, TicketMessage  # noqa: F401
