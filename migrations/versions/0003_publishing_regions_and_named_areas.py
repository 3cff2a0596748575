"""publishing: regions and named areas

Revision ID: 0003
Revises: 0002
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('named_areas',
    sa.Column('layer', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('geometry', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('layer', 'code'),
    sqlite_with_rowid=False
    )
    op.create_table('publication_regions',
    sa.Column('series_id', sa.Uuid(), nullable=False),
    sa.Column('region', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('postcodes', sa.Integer(), nullable=False),
    sa.Column('km2', sa.Float(), nullable=False),
    sa.Column('geometry', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['series_id'], ['area_series.id'], ),
    sa.PrimaryKeyConstraint('series_id', 'region'),
    sqlite_with_rowid=False
    )


def downgrade() -> None:
    op.drop_table('publication_regions')
    op.drop_table('named_areas')
