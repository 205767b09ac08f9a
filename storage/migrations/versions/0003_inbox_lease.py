"""inbox claims: a lease on the message being handled

Revision ID: 0003_inbox_lease
Revises: 0002_schedule
Create Date: 2026-11-25 15:40:00
"""
import sqlalchemy as sa
from alembic import op

revision = "0003_inbox_lease"
down_revision = "0002_schedule"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbox") as batch:
        batch.add_column(sa.Column("lease_until", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("inbox") as batch:
        batch.drop_column("lease_until")
