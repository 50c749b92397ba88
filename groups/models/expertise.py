"""Areas of expertise 专长: "找准联系点需求和委员专长的结合点" (seed 001). Each committee keeps its own list as data;
members declare theirs (``Member.expertise``), contact points their needs in the same words (``ContactPoint.needs``)
and an activity names its topic (``Activity.topic``), so the organiser is shown who fits (``activities.selectors.signup``)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from .organisation import Committee, ScopedQuerySet


class Expertise(models.Model):
    """One area of expertise of a committee's list (e.g. 法律, 医疗卫生, 教育, 规划建设)."""

    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.CASCADE, related_name="expertise_areas"
    )
    name = models.CharField(_("name"), max_length=30)
    order = models.PositiveSmallIntegerField(_("display order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("area of expertise")
        verbose_name_plural = _("areas of expertise")
        ordering = ["committee_id", "order", "name"]
        constraints = [models.UniqueConstraint(fields=["committee", "name"], name="expertise_unique_name")]

    def __str__(self) -> str:
        return self.name
