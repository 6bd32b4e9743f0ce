//! Where a fleet comes from: inventory files (CSV, JSON, YAML, the
//! manager's computer list) and the manager's own REST API
//! (`--from-manager`). Both give the same rows; saved reports are read in
//! `saved`, files in general through `base::input`.

pub mod inventory;
pub mod manager_api;
