"""networks: the emergency text shown on the member form

Revision ID: 0008_emergency_text
Revises: 0007_second_factor
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0008_emergency_text'
down_revision = '0007_second_factor'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        'networks',
        sa.Column('emergency_text', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=True),
    )


def downgrade() -> None:
    # Plain ALTER TABLE (SQLite >= 3.35): a batch copy would lose WITHOUT ROWID.
    op.drop_column('networks', 'emergency_text')
