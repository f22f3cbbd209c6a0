//! crm-inventory
