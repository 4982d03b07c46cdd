"""a shop of one's own: product skus, competitors, competitor snapshots

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sku', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        batch_op.create_unique_constraint('uq_product_sku', ['org_id', 'sku'])

    op.create_table('competitors',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('org_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('url', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('selectors', sa.JSON(), nullable=True),
    sa.Column('bundled', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('org_id', 'name', name='uq_competitor_name')
    )
    with op.batch_alter_table('competitors', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_competitors_org_id'), ['org_id'], unique=False)

    op.create_table('competitor_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('org_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('competitor_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('execution_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('content_hash', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('products', sa.JSON(), nullable=False),
    sa.Column('promotions', sa.JSON(), nullable=False),
    sa.Column('taken_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['competitor_id'], ['competitors.id'], ),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('competitor_id', 'execution_id', name='uq_snapshot_scan')
    )
    with op.batch_alter_table('competitor_snapshots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_competitor_snapshots_competitor_id'), ['competitor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_competitor_snapshots_org_id'), ['org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_competitor_snapshots_taken_at'), ['taken_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('competitor_snapshots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_competitor_snapshots_taken_at'))
        batch_op.drop_index(batch_op.f('ix_competitor_snapshots_org_id'))
        batch_op.drop_index(batch_op.f('ix_competitor_snapshots_competitor_id'))
    op.drop_table('competitor_snapshots')
    with op.batch_alter_table('competitors', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_competitors_org_id'))
    op.drop_table('competitors')
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_constraint('uq_product_sku', type_='unique')
        batch_op.drop_column('sku')
