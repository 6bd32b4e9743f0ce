//! What users hand us besides profiles and flags: where a fleet comes from
//! (inventory files in CSV, JSON or YAML and the manager's computer list,
//! `inventory`; the manager's own REST API, `--from-manager`,
//! `manager_api`: both give the same rows), and saved reports read back as
//! evidence to judge again (`saved`). Files are read through `base::input`.

pub mod inventory;
pub mod manager_api;
pub mod saved;
