"""The example app's plugins as SQLAlchemy models, the way an application
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


equipmenttypes = sa.Table(
    "equipmenttypes", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("category", sa.String(20), nullable=False, server_default="other"),
    sa.Column("requires_calibration", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("description", sa.String(255)),
    sa.UniqueConstraint("name", name="uq_equipmenttypes_name"),
    sa.CheckConstraint("category IN ('cnc', 'press', 'robot', 'conveyor', 'inspection', 'other')",
                       name="ck_equipmenttypes_category"),
)

equipment = sa.Table(
    "equipment", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("asset_tag", sa.String(32), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("equipmenttype_id", sa.Integer,
              sa.ForeignKey("equipmenttypes.id", name="fk_equipment_equipmenttype", ondelete="RESTRICT"),
              nullable=False),
    sa.Column("manufacturer_id", sa.Integer,
              sa.ForeignKey("manufacturers.id", name="fk_equipment_manufacturer", ondelete="SET NULL")),
    sa.Column("model", sa.String(100)),
    sa.Column("serial_number", sa.String(64)),
    sa.Column("location_id", sa.Integer,
              sa.ForeignKey("locations.id", name="fk_equipment_location", ondelete="SET NULL")),
    sa.Column("businessunit_id", sa.Integer,
              sa.ForeignKey("businessunits.id", name="fk_equipment_businessunit", ondelete="SET NULL")),
    sa.Column("owner_user_id", sa.Integer,
              sa.ForeignKey("users.id", name="fk_equipment_owner_user", ondelete="SET NULL")),
    sa.Column("status", sa.String(20), nullable=False, server_default="operational"),
    sa.Column("power_kw", sa.Numeric(8, 2)),
    sa.Column("hourly_rate", sa.Numeric(10, 2), nullable=False, server_default="0.00"),
    sa.Column("calibration_interval_days", sa.Integer, nullable=False, server_default="365"),
    sa.Column("last_calibrated", sa.Date),
    sa.Column("purchase_date", sa.Date),
    sa.Column("purchase_price", sa.Numeric(10, 2)),
    sa.Column("notes", sa.Text),
    sa.Column("created_at", sa.DateTime, nullable=False, server_default=now),
    sa.UniqueConstraint("asset_tag", name="uq_equipment_asset_tag"),
    sa.CheckConstraint("status IN ('operational', 'maintenance', 'down', 'retired')",
                       name="ck_equipment_status"),
    sa.CheckConstraint("calibration_interval_days > 0", name="ck_equipment_calibration_interval"),
    sa.CheckConstraint("hourly_rate >= 0 AND purchase_price >= 0", name="ck_equipment_money"),
    sa.Index("ux_equipment_manufacturer_serial", "manufacturer_id", "serial_number", unique=True),
    sa.Index("ix_equipment_equipmenttype", "equipmenttype_id"),
    sa.Index("ix_equipment_location_status", "location_id", "status"),
    sa.Index("ix_equipment_businessunit", "businessunit_id"),
    sa.Index("ix_equipment_owner_user", "owner_user_id"),
    sa.Index("ix_equipment_last_calibrated", "last_calibrated"),
)

networkdevicetypes = sa.Table(
    "networkdevicetypes", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(50), nullable=False),
    sa.Column("is_managed", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("description", sa.String(255)),
    sa.UniqueConstraint("name", name="uq_networkdevicetypes_name"),
)

vlans = sa.Table(
    "vlans", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("vlan_number", sa.SmallInteger, nullable=False),
    sa.Column("name", sa.String(64), nullable=False),
    sa.Column("description", sa.String(255)),
    sa.Column("location_id", sa.Integer,
              sa.ForeignKey("locations.id", name="fk_vlans_location", ondelete="RESTRICT")),
    sa.Column("is_isolated", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_at", sa.DateTime, nullable=False, server_default=now),
    sa.UniqueConstraint("location_id", "vlan_number", name="uq_vlans_location_number"),
    sa.CheckConstraint("vlan_number >= 1 AND vlan_number <= 4094", name="ck_vlans_number"),
)

subnets = sa.Table(
    "subnets", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("cidr", sa.String(43), nullable=False),
    sa.Column("gateway", sa.String(45)),
    sa.Column("vlan_id", sa.Integer,
              sa.ForeignKey("vlans.id", name="fk_subnets_vlan", ondelete="SET NULL")),
    sa.Column("dhcp_enabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("dns_servers", sa.String(255)),
    sa.Column("description", sa.String(255)),
    sa.Column("created_at", sa.DateTime, nullable=False, server_default=now),
    sa.UniqueConstraint("cidr", name="uq_subnets_cidr"),
    sa.Index("ix_subnets_vlan", "vlan_id"),
)

networkdevices = sa.Table(
    "networkdevices", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("hostname", sa.String(63), nullable=False),
    sa.Column("networkdevicetype_id", sa.Integer,
              sa.ForeignKey("networkdevicetypes.id", name="fk_networkdevices_type", ondelete="RESTRICT"),
              nullable=False),
    sa.Column("manufacturer_id", sa.Integer,
              sa.ForeignKey("manufacturers.id", name="fk_networkdevices_manufacturer", ondelete="SET NULL")),
    sa.Column("model", sa.String(100)),
    sa.Column("serial_number", sa.String(64)),
    sa.Column("asset_tag", sa.String(32)),
    sa.Column("firmware_version", sa.String(50)),
    sa.Column("ip_address", sa.String(45)),
    sa.Column("mac_address", sa.String(17)),
    sa.Column("management_vlan_id", sa.Integer,
              sa.ForeignKey("vlans.id", name="fk_networkdevices_mgmt_vlan", ondelete="SET NULL")),
    sa.Column("uplink_device_id", sa.Integer,
              sa.ForeignKey("networkdevices.id", name="fk_networkdevices_uplink", ondelete="SET NULL")),
    sa.Column("location_id", sa.Integer,
              sa.ForeignKey("locations.id", name="fk_networkdevices_location", ondelete="SET NULL")),
    sa.Column("port_count", sa.SmallInteger, nullable=False, server_default="24"),
    sa.Column("status", sa.String(20), nullable=False, server_default="active"),
    sa.Column("purchase_date", sa.Date),
    sa.Column("purchase_price", sa.Numeric(10, 2)),
    sa.Column("notes", sa.Text),
    sa.Column("created_at", sa.DateTime, nullable=False, server_default=now),
    sa.UniqueConstraint("hostname", name="uq_networkdevices_hostname"),
    sa.UniqueConstraint("mac_address", name="uq_networkdevices_mac_address"),
    sa.CheckConstraint("port_count >= 0", name="ck_networkdevices_port_count"),
    sa.CheckConstraint("status IN ('active', 'spare', 'faulty', 'retired')",
                       name="ck_networkdevices_status"),
    sa.Index("ix_networkdevices_type", "networkdevicetype_id"),
    sa.Index("ix_networkdevices_manufacturer", "manufacturer_id"),
    sa.Index("ix_networkdevices_mgmt_vlan", "management_vlan_id"),
    sa.Index("ix_networkdevices_uplink", "uplink_device_id"),
    sa.Index("ix_networkdevices_location", "location_id"),
    sa.Index("ix_networkdevices_ip_address", "ip_address"),
)

notificationtypes = sa.Table(
    "notificationtypes", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("code", sa.String(40), nullable=False),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("severity", sa.String(10), nullable=False, server_default="info"),
    sa.Column("is_email_enabled", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("retention_days", sa.Integer, nullable=False, server_default="90"),
    sa.Column("created_at", sa.DateTime, nullable=False, server_default=now),
    sa.UniqueConstraint("code", name="uq_notificationtypes_code"),
    sa.CheckConstraint("severity IN ('info', 'warning', 'critical')",
                       name="ck_notificationtypes_severity"),
    sa.CheckConstraint("retention_days > 0", name="ck_notificationtypes_retention"),
)

# A bigint key: SQLAlchemy writes BIGINT PRIMARY KEY on SQLite, which is not the rowid (so no
# automatic numbering there); the schema's identity means the rowid, and plinth rebuilds.
notifications = sa.Table(
    "notifications", metadata,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("notificationtype_id", sa.Integer,
              sa.ForeignKey("notificationtypes.id", name="fk_notifications_type", ondelete="RESTRICT"),
              nullable=False),
    sa.Column("user_id", sa.Integer,
              sa.ForeignKey("users.id", name="fk_notifications_user", ondelete="CASCADE"),
              nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("message", sa.Text),
    sa.Column("link_url", sa.String(255)),
    sa.Column("is_read", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("read_at", sa.DateTime),
    sa.Column("expires_at", sa.DateTime),
    sa.Column("created_at", sa.DateTime, nullable=False, server_default=now),
    sa.CheckConstraint("title <> ''", name="ck_notifications_title"),
    sa.Index("ix_notifications_user_unread", "user_id", "is_read", "created_at"),
    sa.Index("ix_notifications_type", "notificationtype_id"),
    sa.Index("ix_notifications_expires", "expires_at"),
)

printertypes = sa.Table(
    "printertypes", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(50), nullable=False),
    sa.Column("is_color", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("is_label_printer", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("max_paper_size", sa.String(10), nullable=False, server_default="A4"),
    sa.UniqueConstraint("name", name="uq_printertypes_name"),
    sa.CheckConstraint("max_paper_size IN ('A5', 'A4', 'A3', 'LABEL')", name="ck_printertypes_paper"),
)

printers = sa.Table(
    "printers", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("asset_tag", sa.String(32)),
    sa.Column("printertype_id", sa.Integer,
              sa.ForeignKey("printertypes.id", name="fk_printers_printertype", ondelete="RESTRICT"),
              nullable=False),
    sa.Column("manufacturer_id", sa.Integer,
              sa.ForeignKey("manufacturers.id", name="fk_printers_manufacturer", ondelete="SET NULL")),
    sa.Column("model", sa.String(100)),
    sa.Column("serial_number", sa.String(64)),
    sa.Column("hostname", sa.String(63)),
    sa.Column("ip_address", sa.String(45)),
    sa.Column("mac_address", sa.String(17)),
    sa.Column("queue_name", sa.String(100)),
    sa.Column("location_id", sa.Integer,
              sa.ForeignKey("locations.id", name="fk_printers_location", ondelete="SET NULL")),
    sa.Column("businessunit_id", sa.Integer,
              sa.ForeignKey("businessunits.id", name="fk_printers_businessunit", ondelete="SET NULL")),
    sa.Column("status", sa.String(20), nullable=False, server_default="active"),
    sa.Column("is_networked", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("cost_per_page", sa.Numeric(6, 4), nullable=False, server_default="0.0100"),
    sa.Column("purchase_date", sa.Date),
    sa.Column("purchase_price", sa.Numeric(10, 2)),
    sa.Column("notes", sa.Text),
    sa.Column("created_at", sa.DateTime, nullable=False, server_default=now),
    sa.UniqueConstraint("asset_tag", name="uq_printers_asset_tag"),
    sa.UniqueConstraint("queue_name", name="uq_printers_queue_name"),
    sa.CheckConstraint("status IN ('active', 'offline', 'repair', 'retired')", name="ck_printers_status"),
    sa.CheckConstraint("cost_per_page >= 0", name="ck_printers_cost"),
    sa.Index("ix_printers_printertype", "printertype_id"),
    sa.Index("ix_printers_manufacturer", "manufacturer_id"),
    sa.Index("ix_printers_location", "location_id"),
    sa.Index("ix_printers_businessunit", "businessunit_id"),
    sa.Index("ix_printers_ip_address", "ip_address"),
)

printerdata = sa.Table(
    "printerdata", metadata,
    sa.Column("id", sa.BigInteger, primary_key=True),
    sa.Column("printer_id", sa.Integer,
              sa.ForeignKey("printers.id", name="fk_printerdata_printer", ondelete="CASCADE"),
              nullable=False),
    sa.Column("recorded_at", sa.DateTime, nullable=False, server_default=now),
    sa.Column("page_count", sa.Integer, nullable=False, server_default="0"),
    sa.Column("color_page_count", sa.Integer),
    sa.Column("black_toner_pct", sa.SmallInteger),
    sa.Column("color_toner_pct", sa.SmallInteger),
    sa.Column("is_online", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("status_message", sa.String(255)),
    sa.UniqueConstraint("printer_id", "recorded_at", name="uq_printerdata_printer_recorded"),
    sa.CheckConstraint("page_count >= 0", name="ck_printerdata_page_count"),
    sa.CheckConstraint("black_toner_pct >= 0 AND black_toner_pct <= 100",
                       name="ck_printerdata_black_toner"),
    sa.CheckConstraint("color_toner_pct >= 0 AND color_toner_pct <= 100",
                       name="ck_printerdata_color_toner"),
)

usbdevicetypes = sa.Table(
    "usbdevicetypes", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("name", sa.String(50), nullable=False),
    sa.Column("is_storage", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("requires_approval", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("max_loan_days", sa.Integer, nullable=False, server_default="14"),
    sa.UniqueConstraint("name", name="uq_usbdevicetypes_name"),
    sa.CheckConstraint("max_loan_days > 0", name="ck_usbdevicetypes_loan_days"),
)

usbdevices = sa.Table(
    "usbdevices", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("asset_tag", sa.String(32), nullable=False),
    sa.Column("usbdevicetype_id", sa.Integer,
              sa.ForeignKey("usbdevicetypes.id", name="fk_usbdevices_usbdevicetype", ondelete="RESTRICT"),
              nullable=False),
    sa.Column("manufacturer_id", sa.Integer,
              sa.ForeignKey("manufacturers.id", name="fk_usbdevices_manufacturer", ondelete="SET NULL")),
    sa.Column("model", sa.String(100)),
    sa.Column("serial_number", sa.String(64)),
    sa.Column("capacity_gb", sa.Integer),
    sa.Column("is_encrypted", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("home_location_id", sa.Integer,
              sa.ForeignKey("locations.id", name="fk_usbdevices_home_location", ondelete="SET NULL")),
    sa.Column("status", sa.String(20), nullable=False, server_default="available"),
    sa.Column("purchase_date", sa.Date),
    sa.Column("purchase_price", sa.Numeric(10, 2)),
    sa.Column("notes", sa.Text),
    sa.Column("created_at", sa.DateTime, nullable=False, server_default=now),
    sa.UniqueConstraint("asset_tag", name="uq_usbdevices_asset_tag"),
    sa.UniqueConstraint("manufacturer_id", "serial_number", name="uq_usbdevices_manufacturer_serial"),
    sa.CheckConstraint("status IN ('available', 'checked_out', 'lost', 'retired')",
                       name="ck_usbdevices_status"),
    sa.CheckConstraint("capacity_gb > 0", name="ck_usbdevices_capacity"),
    sa.Index("ix_usbdevices_usbdevicetype", "usbdevicetype_id"),
    sa.Index("ix_usbdevices_home_location", "home_location_id"),
    sa.Index("ix_usbdevices_status", "status"),
)

usbcheckouts = sa.Table(
    "usbcheckouts", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("usbdevice_id", sa.Integer,
              sa.ForeignKey("usbdevices.id", name="fk_usbcheckouts_usbdevice", ondelete="CASCADE"),
              nullable=False),
    sa.Column("user_id", sa.Integer,
              sa.ForeignKey("users.id", name="fk_usbcheckouts_user", ondelete="RESTRICT"),
              nullable=False),
    sa.Column("approved_by_user_id", sa.Integer,
              sa.ForeignKey("users.id", name="fk_usbcheckouts_approved_by", ondelete="SET NULL")),
    sa.Column("checked_out_at", sa.DateTime, nullable=False, server_default=now),
    sa.Column("due_date", sa.Date),
    sa.Column("returned_at", sa.DateTime),
    sa.Column("purpose", sa.String(255)),
    sa.CheckConstraint("returned_at >= checked_out_at", name="ck_usbcheckouts_returned"),
    sa.Index("ix_usbcheckouts_device_returned", "usbdevice_id", "returned_at"),
    sa.Index("ix_usbcheckouts_user", "user_id"),
    sa.Index("ix_usbcheckouts_approved_by", "approved_by_user_id"),
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
        conn.execute(equipmenttypes.insert(), [{"name": "press"}])
        conn.execute(equipment.insert(), [{"asset_tag": "E1", "name": "Press 1", "equipmenttype_id": 1}])
        conn.execute(networkdevicetypes.insert(), [{"name": "switch"}])
        conn.execute(vlans.insert(), [{"vlan_number": 10, "name": "office", "location_id": 1}])
        conn.execute(subnets.insert(), [{"cidr": "10.0.10.0/24", "vlan_id": 1}])
        conn.execute(networkdevices.insert(), [
            {"hostname": "sw1", "networkdevicetype_id": 1, "management_vlan_id": 1},
        ])
        conn.execute(networkdevices.insert(), [
            {"hostname": "sw2", "networkdevicetype_id": 1, "uplink_device_id": 1},
        ])
        conn.execute(notificationtypes.insert(), [{"code": "toner", "name": "Toner low"}])
        conn.execute(notifications.insert(), [
            {"id": 1, "notificationtype_id": 1, "user_id": 1, "title": "Toner low on P1"},
        ])
        conn.execute(printertypes.insert(), [{"name": "laser"}])
        conn.execute(printers.insert(), [{"name": "P1", "printertype_id": 1}])
        conn.execute(printerdata.insert(), [{"id": 1, "printer_id": 1, "page_count": 1200}])
        conn.execute(usbdevicetypes.insert(), [{"name": "stick"}])
        conn.execute(usbdevices.insert(), [{"asset_tag": "U1", "usbdevicetype_id": 1}])
        conn.execute(usbcheckouts.insert(), [{"usbdevice_id": 1, "user_id": 1}])


if __name__ == "__main__":
    main(sys.argv[1])
