"""Every write on proposals and public-opinion reports: one function per action, locked, checked, audited.

Each service locks the row it changes (``select_for_update``), checks the state inside the lock, so two
staff pressing "file" at once get one filing and one clear refusal, and records the transition with
``record_event`` (the proposal page's timeline). The modules follow the proposal's life: ``drafting``
(drafts, co-signers, submitting), ``review`` (filing, not filing, merging), ``handling`` (assignment to
units, replies, ratings, closing), ``marks`` (key and excellent proposals), ``reports`` (opinion reports)
and ``records`` (admin edits of counted rows); ``_common`` holds their shared checks."""

from proposals.services import records  # noqa: F401  (registers the admin-edit consequences)
from proposals.services._common import (  # noqa: F401
    BATCH_LIMIT,
)
from proposals.services.drafting import (  # noqa: F401
    DRAFT_FIELDS,
    TOPIC_CATEGORY,
    cosign_respond,
    proposal_draft_from_contact,
    proposal_draft_from_message,
    proposal_save_draft,
    proposal_submit,
)
from proposals.services.handling import (  # noqa: F401
    assignment_request_reassignment,
    check_pdf,
    cohandler_opinion_send,
    contact_record,
    implementation_add,
    proposal_assign,
    proposal_close,
    proposal_rate,
    proposal_reply,
    proposal_start_handling,
    proposals_assign_many,
)
from proposals.services.heard import (  # noqa: F401
    proposal_draft_from_lead,
    report_draft_from_heard,
)
from proposals.services.marks import (  # noqa: F401
    BatchOutcome,
    proposal_mark_excellent,
    proposal_mark_excellent_many,
    proposal_mark_key,
    proposal_unmark_excellent,
    proposal_unmark_excellent_many,
    supervision_note_add,
)
from proposals.services.reports import (  # noqa: F401
    check_report_fact_date,
    coauthor_respond,
    issue_compile,
    report_accept,
    report_decline,
    report_edit,
    report_record_adoption,
    report_record_follow_up,
    report_record_instruction,
    report_submit,
    report_submit_draft,
)
from proposals.services.review import (  # noqa: F401
    proposal_file,
    proposal_merge,
    proposal_reject,
    proposal_start_review,
    proposals_reject_many,
)
