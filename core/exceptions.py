"""Domain errors that views turn into form errors or HTTP 400."""

from django.core.exceptions import ValidationError


class DomainError(ValidationError):
    """A rule of the domain refused the action; the message is shown to the user."""


class InvalidTransition(DomainError):
    """The record is not in a state that allows this action."""


class ConcurrentEdit(DomainError):
    """Someone else changed the record since it was loaded."""


class NotPermitted(DomainError):
    """The actor has no right to this action on this record: pages answer 403, the API 403 with the message.

    Services check the actor themselves (the actor is a required argument) and raise this; callers never
    pre-check permissions in their own way.
    """
