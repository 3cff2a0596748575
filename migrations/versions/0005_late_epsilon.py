"""late incidents get their own, ledgered budget

The weekly late total used to be noised with the area budget and left out of the ledger.
Releases now record the late total's ε (`late_epsilon`) and the ledger holds everything a
release spent. Releases made before this revision noised their late total at their area ε,
so that is what they are given, and their ledger entries are corrected to the truth.

Revision ID: 0005_late_epsilon
Revises: 0004
"""

from alembic import op
import sqlalchemy as sa


revision = "0005_late_epsilon"
down_revision = "0004"
branch_labels = None
depends_on = None

SPENT_ON_LATE = (
    "(SELECT r.late_epsilon FROM releases r WHERE r.id = budget_ledger.release_id)"
)


def upgrade() -> None:
    with op.batch_alter_table("releases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("late_epsilon", sa.Float(), server_default="0", nullable=False)
        )
    op.execute("UPDATE releases SET late_epsilon = epsilon")
    op.execute(f"UPDATE budget_ledger SET epsilon = epsilon + {SPENT_ON_LATE}")


def downgrade() -> None:
    op.execute(f"UPDATE budget_ledger SET epsilon = epsilon - {SPENT_ON_LATE}")
    with op.batch_alter_table("releases", schema=None) as batch_op:
        batch_op.drop_column("late_epsilon")
