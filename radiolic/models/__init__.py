"""The data model, one module per aggregate."""
from .applicants import APPLICANT_KINDS, Applicant, CreditMark
from .archive import ArchivedDocument, Checkpoint
from .cases import (CHANNELS, FORMATS, MATERIAL_STATUSES, STATES, STOP_KINDS, TERMINAL_STATES,
                    Application, ApplicationMaterial, ClockStop, Commitment, CorrectionNotice, Decision,
                    ExtensionRequest)
from .catalogue import ITEM_ACTIONS, LICENCE_KINDS, MaterialRequirement, ServiceItem
from .jobs import JOB_STATES, Job
from .licences import LICENCE_STATUSES, STATION_TYPES, Delivery, Licence, PrintLog, Station
from .ratings import RATING_CHANNELS, Rating, RatingDevice, WorkOrder
from .records import CalendarYear, Counter, CounterVisit, Event, HolidayOverride, OutboxMessage, Upload
from .stats import StatCaseDay, StatCaseMonth, StatLicenceDay, StatRatingDay, StatTurnaroundDay
from .users import ROLES, Attempt, User

__all__ = [name for name in dir() if not name.startswith("_")]
