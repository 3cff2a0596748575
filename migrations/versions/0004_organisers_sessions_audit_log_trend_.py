"""organisers, sessions, audit log; trend counts

Revision ID: 0004
Revises: 0003
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('detail', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_day'), ['day'], unique=False)

    op.create_table('organisers',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=256), nullable=False),
    sa.Column('is_admin', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('organisers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisers_username'), ['username'], unique=True)

    op.create_table('organiser_networks',
    sa.Column('organiser_id', sa.Uuid(), nullable=False),
    sa.Column('network_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['network_id'], ['networks.id'], ),
    sa.ForeignKeyConstraint(['organiser_id'], ['organisers.id'], ),
    sa.PrimaryKeyConstraint('organiser_id', 'network_id'),
    sqlite_with_rowid=False
    )
    op.create_table('organiser_sessions',
    sa.Column('id_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('organiser_id', sa.Uuid(), nullable=False),
    sa.Column('csrf_token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('idle_expiry', sa.Integer(), nullable=False),
    sa.Column('absolute_expiry', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organiser_id'], ['organisers.id'], ),
    sa.PrimaryKeyConstraint('id_hash'),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('organiser_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organiser_sessions_organiser_id'), ['organiser_id'], unique=False)

    op.create_table('trend_counts',
    sa.Column('release_id', sa.Uuid(), nullable=False),
    sa.Column('series', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['release_id'], ['releases.id'], ),
    sa.PrimaryKeyConstraint('release_id', 'series'),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('releases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('trend_epsilon', sa.Float(), server_default='0', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('releases', schema=None) as batch_op:
        batch_op.drop_column('trend_epsilon')

    op.drop_table('trend_counts')
    with op.batch_alter_table('organiser_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organiser_sessions_organiser_id'))

    op.drop_table('organiser_sessions')
    op.drop_table('organiser_networks')
    with op.batch_alter_table('organisers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisers_username'))

    op.drop_table('organisers')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_day'))

    op.drop_table('audit_log')
