//! crm-analytics
