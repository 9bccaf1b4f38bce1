//! Typed identifiers. Every id is a UUIDv7 (time-ordered, so new rows append to the
//! end of B-tree indexes) wrapped in a newtype so a person id can never be passed
//! where an event id is expected.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(transparent)]
        #[schema(value_type = String, format = Uuid)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }
            pub fn as_uuid(&self) -> &Uuid {
                &self.0
            }
            pub fn as_bytes(&self) -> &[u8; 16] {
                self.0.as_bytes()
            }
            pub fn from_bytes(b: [u8; 16]) -> Self {
                Self(Uuid::from_bytes(b))
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self)
            }
        }
    };
}

id_type!(
    /// An organization (tenant).
    OrgId
);
id_type!(
    /// A person in an organization.
    PersonId
);
id_type!(
    /// A ledger event.
    EventId
);
id_type!(
    /// An API token (the id, never the secret).
    TokenId
);
id_type!(
    /// A stretch project or gig on the opportunity board.
    OpportunityId
);
id_type!(
    /// Somebody's application to an opportunity.
    ApplicationId
);
id_type!(
    /// A promotion cycle (nomination and review windows, budgets).
    CycleId
);
id_type!(
    /// One person's promotion case in a cycle.
    CaseId
);
id_type!(
    /// A proposed transition (micro-promotion, lateral move, demotion, pay change)
    /// going through its approval route.
    ProposalId
);
