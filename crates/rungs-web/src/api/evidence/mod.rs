//! Evidence from work systems (docs/INTEGRATIONS.md): the public inbound endpoint
//! (`/hooks/v1/evidence/{source}`), sources and the mapping (people team), and a
//! person's suggested wins (`/api/v1/me/suggestions`). The rules are in
//! `rungs_app::evidence`.

pub mod hooks;
pub mod mapping;
pub mod sources;
pub mod suggestions;
