"""Every write on consultations: one function per action, keyword-only, locked, checked and audited.

The modules follow a consultation's life: ``topics`` (选题: proposing, ranking, adopting), ``sessions``
(协商会议: planning, holding, attendance, stage records, documents) and ``outcomes`` (协商成果: evaluation,
assignment to a unit, its reply, review, publishing, follow-up, proposals drafted from them); ``_common``
holds the public pages' cache version and the permission checks they share."""

from consultations.services._common import (  # noqa: F401
    public_cache_version,
)
from consultations.services.outcomes import (  # noqa: F401
    DRAFTABLE_STATES,
    may_draft_proposal,
    outcome_assign,
    outcome_close,
    outcome_create,
    outcome_draft_proposal,
    outcome_evaluate,
    outcome_follow_up,
    outcome_link_proposal,
    outcome_progress,
    outcome_publish,
    outcome_reply,
    outcome_review,
    outcome_supervise,
    outcomes_flag_overdue,
)
from consultations.services.ratings import (  # noqa: F401
    dissatisfied_outcome_messages,
    outcome_rate,
    rateable_topic,
)
from consultations.services.sessions import (  # noqa: F401
    SESSION_FIELDS,
    attendance_remove,
    attendance_set,
    document_upload,
    participant_add,
    session_cancel,
    session_create,
    session_delete,
    session_hold,
    session_publish,
    session_update,
    stage_record_add,
)
from consultations.services.topics import (  # noqa: F401
    RESEARCH_KINDS,
    topic_adopt,
    topic_decline,
    topic_from_heard,
    topic_link_research,
    topic_propose,
    topic_rank,
)
