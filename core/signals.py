"""Security events into the audit trail: logins, failed logins, and changes to who may do what.

Signals are the only hook Django offers for authentication events; the receivers only append
audit rows and never change other state.
"""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, pre_save
from django.dispatch import receiver

from core.models import AuditEvent, User
from core.net import client_ip
from core.services import record_event
from core.verbs import CoreVerb

PRIVILEGE_FIELDS = ("is_staff", "is_superuser", "is_active")


def _address(request) -> str:
    return client_ip(request) if request is not None else ""


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    record_event(user, actor=user, verb=CoreVerb.LOGGED_IN, data={"ip": _address(request)})


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        record_event(user, actor=user, verb=CoreVerb.LOGGED_OUT, data={"ip": _address(request)})


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    user = User.objects.filter(username=username).first()
    target = user or AuditEvent(pk=0)
    record_event(target, actor=None, verb=CoreVerb.LOGIN_FAILED, data={"username": username, "ip": _address(request)})


@receiver(pre_save, sender=User)
def audit_privilege_change(sender, instance, **kwargs):
    if not instance.pk:
        return
    before = User.objects.filter(pk=instance.pk).values(*PRIVILEGE_FIELDS).first()
    changed = {
        f: [before[f], getattr(instance, f)] for f in PRIVILEGE_FIELDS if before and before[f] != getattr(instance, f)
    }
    if changed:
        record_event(instance, actor=None, verb=CoreVerb.PRIVILEGES_CHANGED, data=changed)


@receiver(m2m_changed, sender=User.groups.through)
@receiver(m2m_changed, sender=User.user_permissions.through)
def audit_permission_sets(sender, instance, action, pk_set, **kwargs):
    if action in ("post_add", "post_remove", "post_clear") and isinstance(instance, User):
        record_event(
            instance,
            actor=None,
            verb=CoreVerb.PERMISSIONS_CHANGED,
            data={"action": action, "relation": sender._meta.model_name, "ids": sorted(pk_set or [])},
        )
