"""organisers' second factor: sealed TOTP secret, hashed recovery codes

Revision ID: 0007_second_factor
Revises: 0006_home_area
"""

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007_second_factor'
down_revision = '0006_home_area'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('organisers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column('totp_confirmed', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_table('organiser_recovery_codes',
    sa.Column('code_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('organiser_id', sa.Uuid(), nullable=False),
    sa.ForeignKeyConstraint(['organiser_id'], ['organisers.id'], ),
    sa.PrimaryKeyConstraint('code_hash'),
    sqlite_with_rowid=False
    )
    with op.batch_alter_table('organiser_recovery_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organiser_recovery_codes_organiser_id'), ['organiser_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('organiser_recovery_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organiser_recovery_codes_organiser_id'))
    op.drop_table('organiser_recovery_codes')
    with op.batch_alter_table('organisers', schema=None) as batch_op:
        batch_op.drop_column('totp_confirmed')
        batch_op.drop_column('totp_secret')
