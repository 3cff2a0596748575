"""networks: home area (postcode areas, districts, councils) that ranks place names

Revision ID: 0006_home_area
Revises: 0005_late_epsilon
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0006_home_area'
down_revision = '0005_late_epsilon'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('networks', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                'home_area',
                sqlmodel.sql.sqltypes.AutoString(length=400),
                nullable=False,
                server_default='',
            )
        )


def downgrade() -> None:
    with op.batch_alter_table('networks', schema=None) as batch_op:
        batch_op.drop_column('home_area')
