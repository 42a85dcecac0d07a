"""``synthgen teardown``: drop what synthgen created in a schema, and only that.

For a schema synthgen created: its seven tables, the ledger, the enum types and the schema,
by name and without CASCADE, in one transaction, so PostgreSQL itself refuses when anything
else (a view, a foreign key from another schema, a table someone added) depends on them.
For an ``--existing`` load only the ledger goes: the rows appended into the app's tables are
the app's to delete.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from synthgen.errors import EnvironmentProblem
from synthgen.load.ledger import LEDGER_TABLE, get_schema_record
from synthgen.load.schema_ops import schema_exists
from synthgen.pg.connect import connect, driver_errors, execute, first_line
from synthgen.pg.guards import check_marked, refuse_production
from synthgen.pg.marker import META_SCHEMA
from synthgen.pg.sql import check_schema_name, qualified, quote_ident
from synthgen.pg.target import Target, inspect_target
from synthgen.schema import ENUMS, TABLES


@dataclass(slots=True)
class TeardownPlan:
    """The statements teardown would run, for confirmation first."""

    dsn: str
    schema: str
    target: Target
    actions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def describe(self) -> list[str]:
        head = f"target: {self.target.dsn_redacted} (database {self.target.database})"
        if not self.actions:
            return [head, *self.notes, f"nothing synthgen created in schema {self.schema!r}"]
        return [head, *self.notes, "will run:", *(f"  {a};" for a in self.actions)]


def plan_teardown(dsn: str, schema: str) -> TeardownPlan:
    """Work out what to drop; refuses production and unmarked databases."""
    with driver_errors(dsn, "planning the teardown"):
        return _plan(dsn, schema)


def _plan(dsn: str, schema: str) -> TeardownPlan:
    refuse_production()
    check_schema_name(schema)
    conn = connect(dsn)
    try:
        # a forwarded address is fine here: only a marked database is touched, and only
        # what synthgen created in it (a container's port mapping must not block cleanup)
        target = inspect_target(conn, dsn, forwarded_ok=True)
        plan = TeardownPlan(dsn, schema, target)
        check_marked(conn, "tear down (synthgen created nothing there)")
        record = get_schema_record(conn, schema)
        present = schema_exists(conn, schema)
        conn.rollback()
    finally:
        conn.close()
    forget = (f"DELETE FROM {qualified(META_SCHEMA, 'schemas')} "
              f"WHERE schema_name = {_literal(schema)}")
    if record is None:
        return plan
    if not present:
        plan.actions.append(forget)
        return plan
    if record.created_by_synthgen:
        tables = ", ".join(qualified(schema, t) for t in (*TABLES, LEDGER_TABLE))
        plan.actions += [f"DROP TABLE IF EXISTS {tables}",
                         *(f"DROP TYPE IF EXISTS {qualified(schema, e)}" for e in ENUMS),
                         f"DROP SCHEMA {quote_ident(schema)}", forget]
    else:
        plan.notes.append(f"schema {schema!r} belongs to the app (--existing load): only the "
                          "ledger is dropped; the appended rows stay in the app's tables")
        plan.actions += [f"DROP TABLE IF EXISTS {qualified(schema, LEDGER_TABLE)}", forget]
    return plan


def run_teardown(plan: TeardownPlan) -> None:
    """Run the plan in one transaction; nothing is dropped if any statement fails."""
    conn = connect(plan.dsn)
    try:
        try:
            for sql in plan.actions:
                execute(conn, sql)
            conn.commit()
        except Exception as e:
            conn.rollback()
            raise EnvironmentProblem(f"teardown of schema {plan.schema!r} refused by the server, "
                                     f"nothing was dropped (other objects depend on synthgen's, "
                                     f"or the schema holds objects synthgen did not create): "
                                     f"{first_line(e)}") from None
    finally:
        conn.close()


def _literal(value: str) -> str:
    """A SQL string literal (the value already passed check_schema_name)."""
    return "'" + value.replace("'", "''") + "'"
