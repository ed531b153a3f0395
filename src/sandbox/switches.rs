//! How the emulated tenant is set up. Real tenants differ in ways the public docs describe, and
//! the client must notice each of them; these switches make the sandbox one of those tenants.
//!
//! Set at start ([`super::SandboxConfig::switches`]) or through `GET`/`POST /_sandbox/switches`
//! (partial updates, camelCase names). Defaults describe the documented service with the
//! Marketo feature refdeck needs enabled.

use std::sync::{Arc, Mutex, PoisonError};

use serde::{Deserialize, Serialize};

/// The tenant's setup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Switches {
    /// Marketo: the "MSI Non-Native" feature is enabled, so leads carry the Marketo Sales
    /// Insight fields (`msiLastInterestingMoment*`, `priority`, `relativeUrgency`,
    /// `relativeScoring`). Adobe enables it on request (Marketo Sales Insight for non-native
    /// integrations, AdobeDocs/marketo.en).
    pub msi_non_native: bool,
    /// Marketo: the instance syncs a native CRM (Salesforce or Dynamics), so the company,
    /// opportunity, opportunity role and sales person APIs are disabled or read-only
    /// (AdobeDocs/marketo-developer.en, lead-database and the per-object pages).
    pub native_crm: bool,
    /// Partner Center: `@odata.nextLink` in the documented form,
    /// `http://api.partner.microsoft.com/v1.0/referrals?$skiptoken=…` (another scheme and host,
    /// no `/engagements`), instead of a link on the sandbox's own origin.
    pub docs_next_link: bool,
}

impl Default for Switches {
    fn default() -> Self {
        Switches {
            msi_non_native: true,
            native_crm: false,
            docs_next_link: true,
        }
    }
}

/// A partial change of [`Switches`] (`POST /_sandbox/switches`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SwitchUpdate {
    pub msi_non_native: Option<bool>,
    pub native_crm: Option<bool>,
    pub docs_next_link: Option<bool>,
}

/// The live switches, shared by both emulated services; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct SwitchBoard(Arc<Mutex<Switches>>);

impl SwitchBoard {
    pub fn new(switches: Switches) -> SwitchBoard {
        SwitchBoard(Arc::new(Mutex::new(switches)))
    }

    /// The switches now.
    pub fn get(&self) -> Switches {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Replaces every switch.
    pub fn set(&self, switches: Switches) {
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = switches;
    }

    /// Applies a partial change; returns the switches after it.
    pub fn update(&self, u: SwitchUpdate) -> Switches {
        let mut s = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(v) = u.msi_non_native {
            s.msi_non_native = v;
        }
        if let Some(v) = u.native_crm {
            s.native_crm = v;
        }
        if let Some(v) = u.docs_next_link {
            s.docs_next_link = v;
        }
        s.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partial_update_changes_only_what_it_names() {
        let board = SwitchBoard::default();
        let after = board.update(SwitchUpdate {
            native_crm: Some(true),
            ..Default::default()
        });
        assert_eq!(
            after,
            Switches {
                native_crm: true,
                ..Switches::default()
            }
        );
        assert_eq!(board.get(), after);
    }
}
