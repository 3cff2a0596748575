"""publishing: area series, releases, counts, budget ledger

Revision ID: 0002
Revises: 0001
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('area_series',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('fingerprint', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('min_postcodes', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('fingerprint'),
    sqlite_with_rowid=False
    )
    op.create_table('publication_areas',
    sa.Column('series_id', sa.Uuid(), nullable=False),
    sa.Column('area', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('region', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('postcodes', sa.Integer(), nullable=False),
    sa.Column('km2', sa.Float(), nullable=False),
    sa.Column('geometry', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['series_id'], ['area_series.id'], ),
    sa.PrimaryKeyConstraint('series_id', 'area'),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('publication_areas', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_publication_areas_region'), ['region'], unique=False)

    op.create_table('releases',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('series_id', sa.Uuid(), nullable=False),
    sa.Column('week', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('epsilon', sa.Float(), nullable=False),
    sa.Column('k', sa.Integer(), nullable=False),
    sa.Column('min_postcodes', sa.Integer(), nullable=False),
    sa.Column('delay_days', sa.Integer(), nullable=False),
    sa.Column('published_on', sa.Date(), nullable=False),
    sa.Column('national_total', sa.Integer(), nullable=False),
    sa.Column('late_total', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['series_id'], ['area_series.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('week'),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('releases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_releases_series_id'), ['series_id'], unique=False)

    op.create_table('budget_ledger',
    sa.Column('week', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('release_id', sa.Uuid(), nullable=False),
    sa.Column('epsilon', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['release_id'], ['releases.id'], ),
    sa.PrimaryKeyConstraint('week'),
    sqlite_with_rowid=False
    )
    op.create_table('published_counts',
    sa.Column('release_id', sa.Uuid(), nullable=False),
    sa.Column('area', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['release_id'], ['releases.id'], ),
    sa.PrimaryKeyConstraint('release_id', 'area'),
    sqlite_with_rowid=False
    )


def downgrade() -> None:
    op.drop_table('published_counts')
    op.drop_table('budget_ledger')
    with op.batch_alter_table('releases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_releases_series_id'))

    op.drop_table('releases')
    with op.batch_alter_table('publication_areas', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_publication_areas_region'))

    op.drop_table('publication_areas')
    op.drop_table('area_series')
