"""intake: networks, reports, used form tokens

Revision ID: 0001
Revises: 
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('networks',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('slug', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('link_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('public_key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('counting_rule', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('networks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_networks_link_hash'), ['link_hash'], unique=True)
        batch_op.create_index(batch_op.f('ix_networks_slug'), ['slug'], unique=True)

    op.create_table('used_form_tokens',
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint('token_hash'),
    sqlite_with_rowid=False
    )
    op.create_table('reports',
    sa.Column('id', sa.Uuid(), nullable=False),
    sa.Column('network_id', sa.Uuid(), nullable=False),
    sa.Column('cell', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('district', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('time_of_day', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('setting', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('officers', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('vehicles', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('detained', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('sealed_note', sa.LargeBinary(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('late_pending', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['network_id'], ['networks.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reports_cell'), ['cell'], unique=False)
        batch_op.create_index(batch_op.f('ix_reports_network_id'), ['network_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reports_occurred_on'), ['occurred_on'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reports_occurred_on'))
        batch_op.drop_index(batch_op.f('ix_reports_network_id'))
        batch_op.drop_index(batch_op.f('ix_reports_cell'))

    op.drop_table('reports')
    op.drop_table('used_form_tokens')
    with op.batch_alter_table('networks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_networks_slug'))
        batch_op.drop_index(batch_op.f('ix_networks_link_hash'))

    op.drop_table('networks')
