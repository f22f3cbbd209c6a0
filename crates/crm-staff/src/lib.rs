//! crm-staff
