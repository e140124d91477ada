"""The example app's core and computers plugins as SQLAlchemy models, the way an application
would declare them, and `create_all` on the database URL given: what `plinth adopt` and `check`
must take over. Usage: python models.py URL (a SQLAlchemy URL). Then a few rows in each table.
"""

import sys

import sqlalchemy as sa

metadata = sa.MetaData()
now = sa.text("CURRENT_TIMESTAMP")

locations = sa.Table(
    "locations", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("site", sa.String(50), nullable=False, server_default="main"),
    sa.Column("building", sa.String(50)),
    sa.Column("floor", sa.String(20)),
    sa.Column("room", sa.String(50)),
    sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("notes", sa.Text),
    sa.Column("created_at", sa.DateTime, nullable=False, server_default=now),
    sa.UniqueConstraint("site", "name", name="uq_locations_site_name"),
    sa.Index("ix_locations_building_room", "building", "floor", "room"),
)

businessunits = sa.Table(
    "businessunits", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(20), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("cost_center", sa.String(20)),
    sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", sa.DateTime, nullable=False, server_default=now),
    sa.UniqueConstraint("code", name="uq_businessunits_code"),
    sa.CheckConstraint("code <> ''", name="ck_businessunits_code"),
)

users = sa.Table(
    "users", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("email", sa.String(255)),
    sa.Column("first_name", sa.String(100)),
    sa.Column("last_name", sa.String(100)),
    sa.Column("employee_number", sa.String(20)),
    sa.Column("access_level", sa.String(20), nullable=False, server_default="viewer"),
    sa.Column("businessunit_id", sa.Integer,
              sa.ForeignKey("businessunits.id", name="fk_users_businessunit", ondelete="SET NULL")),
    sa.Column("location_id", sa.Integer,
              sa.ForeignKey("locations.id", name="fk_users_location", ondelete="SET NULL")),
    sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", sa.DateTime, nullable=False, server_default=now),
    sa.UniqueConstraint("username", name="uq_users_username"),
    sa.UniqueConstraint("email", name="uq_users_email"),
    sa.CheckConstraint("access_level IN ('viewer', 'technician', 'admin')",
                       name="ck_users_access_level"),
    sa.Index("ix_users_businessunit", "businessunit_id"),
    sa.Index("ix_users_location", "location_id"),
    sa.Index("ix_users_last_first", "last_name", "first_name"),
    sa.Index("ux_users_employee_number", "employee_number", unique=True),
)

manufacturers = sa.Table(
    "manufacturers", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("website", sa.String(255)),
    sa.Column("support_phone", sa.String(30)),
    sa.Column("support_email", sa.String(255)),
    sa.Column("created_at", sa.DateTime, nullable=False, server_default=now),
)

computertypes = sa.Table(
    "computertypes", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(50), nullable=False),
    sa.Column("description", sa.String(255)),
    sa.Column("refresh_years", sa.SmallInteger, nullable=False, server_default="4"),
    sa.Column("is_portable", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.UniqueConstraint("name", name="uq_computertypes_name"),
    sa.CheckConstraint("refresh_years > 0 AND refresh_years <= 10", name="ck_computertypes_refresh"),
)

computers = sa.Table(
    "computers", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("hostname", sa.String(63), nullable=False),
    sa.Column("asset_tag", sa.String(32), nullable=False),
    sa.Column("serial_number", sa.String(64)),
    sa.Column("computertype_id", sa.Integer,
              sa.ForeignKey("computertypes.id", name="fk_computers_computertype", ondelete="RESTRICT"),
              nullable=False),
    sa.Column("manufacturer_id", sa.Integer,
              sa.ForeignKey("manufacturers.id", name="fk_computers_manufacturer", ondelete="SET NULL")),
    sa.Column("model", sa.String(100)),
    sa.Column("operating_system", sa.String(100)),
    sa.Column("cpu", sa.String(100)),
    sa.Column("ram_mb", sa.Integer, sa.CheckConstraint("ram_mb > 0")),
    sa.Column("disk_gb", sa.Integer),
    sa.Column("ip_address", sa.String(45)),
    sa.Column("mac_address", sa.String(17)),
    sa.Column("location_id", sa.Integer,
              sa.ForeignKey("locations.id", name="fk_computers_location", ondelete="SET NULL")),
    sa.Column("assigned_user_id", sa.Integer,
              sa.ForeignKey("users.id", name="fk_computers_assigned_user", ondelete="SET NULL")),
    sa.Column("businessunit_id", sa.Integer,
              sa.ForeignKey("businessunits.id", name="fk_computers_businessunit", ondelete="SET NULL")),
    sa.Column("status", sa.String(20), nullable=False, server_default="in_service"),
    sa.Column("is_shopfloor", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("purchase_date", sa.Date),
    sa.Column("warranty_expires", sa.Date),
    sa.Column("purchase_price", sa.Numeric(10, 2)),
    sa.Column("notes", sa.Text),
    sa.Column("created_at", sa.DateTime, nullable=False, server_default=now),
    sa.Column("updated_at", sa.DateTime),
    sa.UniqueConstraint("hostname", name="uq_computers_hostname"),
    sa.UniqueConstraint("asset_tag", name="uq_computers_asset_tag"),
    sa.UniqueConstraint("manufacturer_id", "serial_number", name="uq_computers_manufacturer_serial"),
    sa.CheckConstraint("status IN ('in_stock', 'in_service', 'repair', 'retired')",
                       name="ck_computers_status"),
    sa.CheckConstraint("purchase_price >= 0", name="ck_computers_price"),
    sa.Index("ix_computers_computertype", "computertype_id"),
    sa.Index("ix_computers_location_status", "location_id", "status"),
    sa.Index("ix_computers_assigned_user", "assigned_user_id"),
    sa.Index("ix_computers_businessunit", "businessunit_id"),
    sa.Index("ix_computers_mac_address", "mac_address"),
    sa.Index("ix_computers_warranty", "warranty_expires"),
)

computerinstalledapps = sa.Table(
    "computerinstalledapps", metadata,
    sa.Column("computer_id", sa.Integer,
              sa.ForeignKey("computers.id", name="fk_computerinstalledapps_computer", ondelete="CASCADE"),
              primary_key=True, autoincrement=False),
    sa.Column("app_name", sa.String(150), primary_key=True),
    sa.Column("app_version", sa.String(50)),
    sa.Column("publisher", sa.String(150)),
    sa.Column("install_date", sa.Date),
    sa.Column("is_licensed", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("detected_at", sa.DateTime, nullable=False, server_default=now),
    sa.Index("ix_computerinstalledapps_app", "app_name", "app_version"),
)


def main(url):
    engine = sa.create_engine(url)
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(locations.insert(), [{"name": "Hall 1"}, {"name": "Hall 2"}])
        conn.execute(businessunits.insert(), [{"code": "OPS", "name": "Operations"}])
        conn.execute(users.insert(), [{"username": "ada", "businessunit_id": 1, "location_id": 2}])
        conn.execute(manufacturers.insert(), [{"name": "Acme"}])
        conn.execute(computertypes.insert(), [{"name": "laptop"}])
        conn.execute(computers.insert(), [
            {"hostname": "pc1", "asset_tag": "A1", "computertype_id": 1, "assigned_user_id": 1},
            {"hostname": "pc2", "asset_tag": "A2", "computertype_id": 1, "assigned_user_id": None},
        ])
        conn.execute(computerinstalledapps.insert(), [{"computer_id": 2, "app_name": "cad"}])


if __name__ == "__main__":
    main(sys.argv[1])
