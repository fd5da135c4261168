"""The database model, one module per aggregate. Importing this package registers every table."""

from .audit import AuditEvent
from .ratelimit import RateCounter
from .units import AdminUnit, Counter, Department, Officer, ServiceCentre, UnitKind
from .users import Role, User

__all__ = [
    "AdminUnit",
    "AuditEvent",
    "Counter",
    "Department",
    "Officer",
    "RateCounter",
    "Role",
    "ServiceCentre",
    "UnitKind",
    "User",
]
