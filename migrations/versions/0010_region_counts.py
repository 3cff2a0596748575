"""noisy counts per region beside the counts per area; an index for counting reports

A release may now spend part of its map budget on a second noisy vector: one count per
resolution-4 region (zeros included), stored in `published_region_counts`. `releases.epsilon`
stays the week's whole map budget; `releases.region_epsilon` is the part of it spent on the
region counts (the areas got the rest). Releases made before this revision spent it all on
areas: region_epsilon 0, no region rows. Ledger entries are unchanged (they already hold
`epsilon`, which covers both vectors).

`ix_reports_counting` lets the release job's GROUP BY over one day's reports run in index
order without reading the table.

Revision ID: 0010_region_counts
Revises: 0009_rendered_maps
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = "0010_region_counts"
down_revision = "0009_rendered_maps"
branch_labels = None
depends_on = None

COUNTING = ("occurred_on", "late", "cell", "setting", "time_of_day", "network_id", "status")


def upgrade() -> None:
    with op.batch_alter_table("releases", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("region_epsilon", sa.Float(), server_default="0", nullable=False)
        )
    op.create_table(
        "published_region_counts",
        sa.Column("release_id", sa.Uuid(), nullable=False),
        sa.Column("region", sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["release_id"], ["releases.id"]),
        sa.PrimaryKeyConstraint("release_id", "region"),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_reports_counting", "reports", list(COUNTING))


def downgrade() -> None:
    op.drop_index("ix_reports_counting", table_name="reports")
    op.drop_table("published_region_counts")
    # A plain DROP COLUMN (SQLite 3.35+): batch mode would copy `releases`, which the counts,
    # the ledger and the maps refer to, and the copy's DROP TABLE fails their foreign keys.
    op.execute("ALTER TABLE releases DROP COLUMN region_epsilon")
