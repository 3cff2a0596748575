"""reports say whether they have been through a re-mix

Moderation lists only reports that a re-mix has already rewritten (`reports.mixed`), so an
organiser polling the page during the delay days learns when a report arrived no more
precisely than the mixing window, as on disk (P2). Reports stored before this revision are
marked unmixed: the next re-mix (at most one window later) marks them.

Revision ID: 0011_mixed_reports
Revises: 0010_region_counts
"""

from alembic import op
import sqlalchemy as sa


revision = "0011_mixed_reports"
down_revision = "0010_region_counts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "reports", sa.Column("mixed", sa.Boolean(), server_default=sa.false(), nullable=False)
    )


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite 3.35+), as in 0010: batch mode would copy `reports`.
    op.execute("ALTER TABLE reports DROP COLUMN mixed")
