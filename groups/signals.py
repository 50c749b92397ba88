"""Positions that grant access (secretariat, leader, unit users) are permission changes: they go into the audit
trail like core's own privilege changes (``core/signals.py``). Connected by ``GroupsConfig.ready``."""

from django.db.models.signals import m2m_changed, post_delete, post_save

from core.services import record_event
from groups.models import CommitteeStaff, HandlingUnit
from groups.verbs import GroupsVerb


def connect_position_audit():
    """Positions that grant access (secretariat, leader, unit users) are permission changes too."""

    def position_saved(sender, instance, created, **kwargs):
        record_event(
            instance.user,
            actor=None,
            verb=GroupsVerb.POSITION_GRANTED if created else GroupsVerb.POSITION_CHANGED,
            data={"committee": instance.committee_id, "role": instance.role},
        )

    def position_removed(sender, instance, **kwargs):
        record_event(
            instance.user,
            actor=None,
            verb=GroupsVerb.POSITION_REVOKED,
            data={"committee": instance.committee_id, "role": instance.role},
        )

    def unit_users_changed(sender, instance, action, pk_set, **kwargs):
        if action in ("post_add", "post_remove") and isinstance(instance, HandlingUnit):
            record_event(
                instance,
                actor=None,
                verb=GroupsVerb.UNIT_USERS_CHANGED,
                data={"action": action, "users": sorted(pk_set)},
            )

    post_save.connect(position_saved, sender=CommitteeStaff, dispatch_uid="audit_position_saved")
    post_delete.connect(position_removed, sender=CommitteeStaff, dispatch_uid="audit_position_removed")
    m2m_changed.connect(unit_users_changed, sender=HandlingUnit.users.through, dispatch_uid="audit_unit_users")
