"""Domain errors that views turn into form errors or HTTP 400."""
from django.core.exceptions import ValidationError


class DomainError(ValidationError):
    """A rule of the domain refused the action; the message is shown to the user."""


class InvalidTransition(DomainError):
    """The record is not in a state that allows this action."""


class ConcurrentEdit(DomainError):
    """Someone else changed the record since it was loaded."""
