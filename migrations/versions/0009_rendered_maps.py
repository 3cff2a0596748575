"""rendered maps live in the database, not in a folder every replica must share

Maps drawn into `RAIDWATCH_MAPS_DIR` before this revision are not imported: the table starts
empty and the next publishing run (the scheduler's first, or `raidwatch publish` / `raidwatch
maps draw`) draws them from the releases. Old map files can be deleted.

Revision ID: 0009_rendered_maps
Revises: 0008_emergency_text
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0009_rendered_maps'
down_revision = '0008_emergency_text'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rendered_maps',
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('html', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('release_id', sa.Uuid(), nullable=False),
    sa.Column('week', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('drawn_with', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('rendered_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['release_id'], ['releases.id'], ),
    sa.PrimaryKeyConstraint('name'),
    sqlite_with_rowid=False
    )


def downgrade() -> None:
    op.drop_table('rendered_maps')
