"""``FigureTally`` keeps the ratings apart too: ``basic`` (基本满意) and ``unsatisfied`` (不满意) beside ``satisfied``
(满意 and 基本满意), so the handling units' yearly sheet reads its ratings from the cells (#22: it counted the
committee's year of proposals per request, 15 ms of a 38 ms page at 50k).

The trigger function (PostgreSQL) and the triggers (SQLite) of ``0020_figure_tally`` are written again with the two
counts added (the same statements, the same columns read: ``rating`` was one already); the new columns are filled
from the proposals, and 0033's check that no figure is below 0 covers them too. Unapplied, the triggers of 0020 come back and the columns go. Frozen here: migrations keep working
as written.
"""

from django.db import migrations, models

from core.migration_sql import per_vendor

KEY = ("committee_id", "year", "lead_unit_key", "category", "result_code")
BEFORE = {
    "submitted": "1",
    "filed": "CASE WHEN {r}.filed_at IS NOT NULL THEN 1 ELSE 0 END",
    "replied": "CASE WHEN {r}.replied_on_time IS NOT NULL THEN 1 ELSE 0 END",
    "on_time": "CASE WHEN {r}.replied_on_time THEN 1 ELSE 0 END",
    "rated": "CASE WHEN {r}.rating <> '' THEN 1 ELSE 0 END",
    "satisfied": "CASE WHEN {r}.rating IN ('satisfied', 'basic') THEN 1 ELSE 0 END",
    "first_rated": "CASE WHEN {r}.first_rating <> '' THEN 1 ELSE 0 END",
    "first_satisfied": "CASE WHEN {r}.first_rating IN ('satisfied', 'basic') THEN 1 ELSE 0 END",
    "closed": "CASE WHEN {r}.state = 'closed' THEN 1 ELSE 0 END",
    "implemented": "CASE WHEN {r}.implemented_on IS NOT NULL THEN 1 ELSE 0 END",
}
ADDED = {
    "basic": "CASE WHEN {r}.rating = 'basic' THEN 1 ELSE 0 END",
    "unsatisfied": "CASE WHEN {r}.rating = 'unsatisfied' THEN 1 ELSE 0 END",
}
AFTER = {**BEFORE, **ADDED}
READ = (
    "committee_id",
    "year",
    "lead_unit_id",
    "category",
    "result_code",
    "state",
    "filed_at",
    "replied_on_time",
    "rating",
    "first_rating",
    "implemented_on",
)
TABLE = "proposals_figuretally"
TRIGGERS = ("figure_tally_insert", "figure_tally_delete", "figure_tally_update_in", "figure_tally_update_out")


def _keys(r):
    return [f"{r}.committee_id", f"{r}.year", f"COALESCE({r}.lead_unit_id, 0)", f"{r}.category", f"{r}.result_code"]


def _move(counts, r, sign):
    """0020's ``_move`` over ``counts``: the statements adding ``sign`` × row ``r``'s counts to its cell."""
    where = " AND ".join(f"{k} = {v}" for k, v in zip(KEY, _keys(r), strict=True))
    if sign == "-":
        taken = ", ".join(f"{name} = {name} - ({expr.format(r=r)})" for name, expr in counts.items())
        return (
            f"UPDATE {TABLE} SET {taken} WHERE {where}; "  # noqa: S608 (constants of this module)
            f"DELETE FROM {TABLE} WHERE {where} AND submitted = 0"
        )
    columns = ", ".join((*KEY, *counts))
    values = ", ".join(f"+({expr.format(r=r)})" for expr in counts.values())
    added = ", ".join(f"{name} = {TABLE}.{name} + excluded.{name}" for name in counts)
    return (
        f"INSERT INTO {TABLE} ({columns}) VALUES ({', '.join(_keys(r))}, {values}) "  # noqa: S608 (constants)
        f"ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET {added}"
    )


def _counted(r):
    return f"{r}.state <> 'draft'"


def _changed(fn):
    return " OR ".join(fn(c) for c in READ)


DROP_SQLITE = [f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS]


def _sqlite(counts):
    return [
        f"""CREATE TRIGGER figure_tally_insert AFTER INSERT ON proposals_proposal WHEN {_counted("NEW")}
        BEGIN {_move(counts, "NEW", "+")}; END""",
        f"""CREATE TRIGGER figure_tally_delete AFTER DELETE ON proposals_proposal WHEN {_counted("OLD")}
        BEGIN {_move(counts, "OLD", "-")}; END""",
        f"""CREATE TRIGGER figure_tally_update_in AFTER UPDATE OF {", ".join(READ)} ON proposals_proposal
        WHEN {_counted("NEW")} AND ({_changed(lambda c: f"OLD.{c} IS NOT NEW.{c}")})
        BEGIN {_move(counts, "NEW", "+")}; END""",
        f"""CREATE TRIGGER figure_tally_update_out AFTER UPDATE OF {", ".join(READ)} ON proposals_proposal
        WHEN {_counted("OLD")} AND ({_changed(lambda c: f"OLD.{c} IS NOT NEW.{c}")})
        BEGIN {_move(counts, "OLD", "-")}; END""",
    ]


def _postgres(counts):
    return [
        f"""CREATE OR REPLACE FUNCTION proposals_figure_tally() RETURNS trigger AS $$
        BEGIN
            IF TG_OP <> 'INSERT' AND {_counted("OLD")} THEN {_move(counts, "OLD", "-")}; END IF;
            IF TG_OP <> 'DELETE' AND {_counted("NEW")} THEN {_move(counts, "NEW", "+")}; END IF;
            RETURN NULL;
        END $$ LANGUAGE plpgsql"""
    ]


# The new columns of every cell from the proposals, in one pass (SQLite 3.33+ and PostgreSQL: UPDATE … FROM).
_SUMS = ", ".join(f"SUM({expr.format(r='p')}) AS {name}" for name, expr in ADDED.items())
_KEYS = ", ".join(f"{expr} AS k{i}" for i, expr in enumerate(_keys("p")))
FILL = (
    f"UPDATE {TABLE} SET {', '.join(f'{name} = s.{name}' for name in ADDED)} "  # noqa: S608 (constants)
    f"FROM (SELECT {_KEYS}, {_SUMS} FROM proposals_proposal p WHERE p.state <> 'draft' "
    f"GROUP BY {', '.join(f'k{i}' for i in range(len(KEY)))}) s "
    f"WHERE {' AND '.join(f'{TABLE}.{k} = s.k{i}' for i, k in enumerate(KEY))}"
)


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0033_kept_counts_race_free"),
    ]

    operations = [
        # SQLite adds a column by making the table again, which its triggers on the proposals (naming the table)
        # would refuse: they are dropped first and made again after
        per_vendor({"sqlite": DROP_SQLITE}, {"sqlite": _sqlite(BEFORE)}),
        migrations.AddField(
            model_name="figuretally",
            name="basic",
            field=models.IntegerField(default=0, verbose_name="rated basically satisfied"),
        ),
        migrations.AddField(
            model_name="figuretally",
            name="unsatisfied",
            field=models.IntegerField(default=0, verbose_name="rated unsatisfied"),
        ),
        # no figure below 0, the two new ones too (0033's check, made again while SQLite's triggers are off)
        migrations.RemoveConstraint(model_name="figuretally", name="figure_tally_not_negative"),
        migrations.AddConstraint(
            model_name="figuretally",
            constraint=models.CheckConstraint(
                condition=models.Q(*((f"{name}__gte", 0) for name in (*BEFORE, *ADDED))),
                name="figure_tally_not_negative",
            ),
        ),
        per_vendor(
            {"sqlite": [*_sqlite(AFTER), FILL], "postgresql": [*_postgres(AFTER), FILL]},
            {"sqlite": DROP_SQLITE, "postgresql": _postgres(BEFORE)},
        ),
    ]
