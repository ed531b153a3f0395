//! The instance probe: whether leads carry the Sales Insight fields, and whether the instance
//! syncs a native CRM. Two calls, once per client (the answers change only when Adobe changes
//! the subscription; describe results may be cached for a day or more,
//! AdobeDocs/marketo-developer.en help/rest-api/marketo-integration-best-practices.md).
//!
//! - MSI: `GET /rest/v1/leads/describe.json` lists the lead fields with their `rest.name`
//!   (help/rest-api/leads.md, Describe); the feature is on when all of [`MSI_FIELDS`] are there.
//!   The same list tells the check which lead fields it may ask for.
//! - Native CRM: `GET /rest/v1/opportunities/roles/describe.json`. Opportunity roles "are only
//!   exposed for subscriptions which do not have a native CRM sync enabled"
//!   (help/rest-api/opportunity-roles.md), so 1018 "CRM Enabled" (error-codes.md) there means a
//!   native CRM; a read costs nothing to retry and changes no data.

use std::collections::HashSet;

use crate::domain::marketo::{InstanceInfo, MSI_FIELDS, MarketoObject, codes};

use super::transport::Request;
use super::{MarketoClient, Result};

/// What the probe found: the public answer and the lead fields the instance has.
#[derive(Debug, Clone)]
pub(super) struct Probe {
    pub info: InstanceInfo,
    pub lead_fields: HashSet<String>,
}

impl MarketoClient {
    /// Whether this instance has "MSI Non-Native" and whether it syncs a native CRM; probed
    /// with two calls the first time, then answered from memory for this client's life.
    pub async fn instance(&self) -> Result<InstanceInfo> {
        Ok(self.probe().await?.info)
    }

    pub(super) async fn probe(&self) -> Result<&Probe> {
        self.inner
            .probe
            .get_or_try_init(|| async {
                let lead_fields = self.lead_field_names().await?;
                let msi_non_native = MSI_FIELDS.iter().all(|f| lead_fields.contains(*f));
                let native_crm = self.roles_refused().await?;
                Ok(Probe {
                    info: InstanceInfo {
                        msi_non_native,
                        native_crm,
                    },
                    lead_fields,
                })
            })
            .await
    }

    /// The `rest.name` of every lead field the describe lists.
    async fn lead_field_names(&self) -> Result<HashSet<String>> {
        let path = MarketoObject::Lead.describe_path();
        let env = self.call(path, Request::get_all(), true).await?;
        Ok(env
            .result
            .iter()
            .filter_map(|f| f.get("rest")?.get("name")?.as_str())
            .map(str::to_string)
            .collect())
    }

    /// True when the roles describe answers 1018 (CRM Enabled).
    async fn roles_refused(&self) -> Result<bool> {
        let path = MarketoObject::OpportunityRole.describe_path();
        match self.call(path, Request::get_all(), true).await {
            Ok(_) => Ok(false),
            Err(e) if e.code() == Some(codes::CRM_ENABLED) => Ok(true),
            Err(e) => Err(e),
        }
    }
}
