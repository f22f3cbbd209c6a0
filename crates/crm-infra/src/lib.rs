//! crm-infra
