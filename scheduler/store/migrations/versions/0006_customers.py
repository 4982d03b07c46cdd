"""customers: a shop's customers with their loyalty tier and first/last seen; orders name their customer

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('customers',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('org_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('loyalty_tier', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['org_id'], ['organizations.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('org_id', 'email', name='uq_customer_email')
    )
    op.create_index(op.f('ix_customers_org_id'), 'customers', ['org_id'], unique=False)

    # Orders from before this revision keep a NULL customer: walk-ins, as far as anyone can tell.
    if op.get_bind().dialect.name == "sqlite":
        # SQLite takes a reference in ADD COLUMN (the default being NULL); alembic's batch mode would
        # copy the whole orders table for it, on every fresh database.
        op.execute("ALTER TABLE orders ADD COLUMN customer_id VARCHAR REFERENCES customers (id)")
    else:
        op.add_column('orders', sa.Column('customer_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        op.create_foreign_key('fk_orders_customer_id', 'orders', 'customers', ['customer_id'], ['id'])
    op.create_index(op.f('ix_orders_customer_id'), 'orders', ['customer_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_orders_customer_id'), table_name='orders')
    if op.get_bind().dialect.name == "sqlite":
        # A column in a reference cannot be dropped in place on SQLite: batch mode copies the table without it.
        with op.batch_alter_table('orders', schema=None) as batch_op:
            batch_op.drop_column('customer_id')
    else:
        op.drop_constraint('fk_orders_customer_id', 'orders', type_='foreignkey')
        op.drop_column('orders', 'customer_id')
    op.drop_index(op.f('ix_customers_org_id'), table_name='customers')
    op.drop_table('customers')
