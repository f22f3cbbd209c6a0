//! crm-comms
