//! What a Marketo instance offers the MSI non-native sync, as the client finds out.
//!
//! - The "MSI Non-Native" feature is enabled by Adobe on request; without it leads have no
//!   Sales Insight fields (AdobeDocs/marketo.en
//!   help/marketo/product-docs/marketo-sales-insight/sales-insight-for-non-native-ms-dynamics-integrations.md).
//! - An instance that syncs a native CRM (Salesforce or Dynamics) answers 1018 "CRM Enabled" to
//!   the company, opportunity, opportunity role and sales person sync APIs
//!   (AdobeDocs/marketo-developer.en help/rest-api/lead-database.md, error-codes.md).

use serde::{Deserialize, Serialize};

/// The two instance settings the non-native sync depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceInfo {
    /// Leads carry the Sales Insight fields ([`super::MSI_FIELDS`]).
    pub msi_non_native: bool,
    /// The instance syncs a native CRM: refdeck cannot write sales persons, companies,
    /// opportunities or roles.
    pub native_crm: bool,
}

/// What a report assumes until the instance has been probed: the setup the sync needs.
impl Default for InstanceInfo {
    fn default() -> Self {
        InstanceInfo {
            msi_non_native: true,
            native_crm: false,
        }
    }
}

/// Shown when leads have no Sales Insight fields.
pub const NO_MSI_NOTICE: &str = "MSI non-native is not enabled on this instance";
/// Shown when the instance syncs a native CRM.
pub const NATIVE_CRM_NOTICE: &str = "this instance syncs a native CRM";

impl InstanceInfo {
    /// The plain-word notices for this instance (none when it is set up for the sync).
    pub fn notices(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if !self.msi_non_native {
            out.push(NO_MSI_NOTICE);
        }
        if self.native_crm {
            out.push(NATIVE_CRM_NOTICE);
        }
        out
    }

    /// Why a push cannot run here, or `None` when it can.
    pub fn push_refusal(&self) -> Option<String> {
        let notices = self.notices();
        (!notices.is_empty()).then(|| format!("{}: nothing is pushed", notices.join("; ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_name_each_missing_setting() {
        assert!(InstanceInfo::default().notices().is_empty());
        assert_eq!(InstanceInfo::default().push_refusal(), None);
        let both = InstanceInfo {
            msi_non_native: false,
            native_crm: true,
        };
        assert_eq!(both.notices(), vec![NO_MSI_NOTICE, NATIVE_CRM_NOTICE]);
        assert_eq!(
            both.push_refusal().as_deref(),
            Some(
                "MSI non-native is not enabled on this instance; this instance syncs a native \
                 CRM: nothing is pushed"
            )
        );
    }
}
