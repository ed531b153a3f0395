//! Marketo Sales Insight sync: what refdeck knows about a referral's presence in Marketo
//! (`../shared/spec/marketo.md`).
//!
//! Pure: the records Marketo stores for a referral ([`plan()`]), what a set of Marketo query
//! results says about them ([`assess()`]), and the wire shapes both ends of the REST API use
//! ([`Envelope`], [`RecordResult`], [`SyncRequest`]). The client (`backend::marketo`) and the
//! sandbox (`sandbox::marketo`) both build on these types.
//!
//! # Mapping (configurable, see [`MarketoMapping`])
//! | Partner Center | Marketo | key |
//! |---|---|---|
//! | the deal owner: the partner team member whose email is `owner_email`, else the first one | sales person | `externalSalesPersonId` from `sales_person_id` (default `{firstName}.{lastName}`, lower case) |
//! | the customer | company | `externalCompanyId` from `company_id` (default `{duns\|nameSlug}`) |
//! | each customer contact | lead | `externalPersonId` from `person_id` (default `{email}`, lower case) |
//! | the referral | opportunity | `externalOpportunityId` from `opportunity_id` (default `{externalReferenceId\|id}`, case kept) |
//! | each contact on the deal | opportunity role | (`externalOpportunityId`, lead id, role); the first contact gets `primary_role` with `isPrimary`, the others `default_role` |
//!
//! The sales person's key is deliberately not the email: the email is what Marketo compares with
//! the CRM user, so it must be free to differ for a mismatch to be seen.
//!
//! # Choices (the public record is silent)
//! - Templates: `{name}` inserts a value, `{a|b}` the first non-empty of several. When a slot
//!   has no value (a contact without an email for `{email}`) that record cannot be keyed and the
//!   plan lists it as a problem instead of inventing a key.
//! - Comparisons of emails and external ids trim and ignore case (`Ann@Contoso.com ` equals
//!   `ann@contoso.com`): Marketo matches these fields without regard to case, and a difference
//!   of case alone is no disagreement a seller could act on.
//! - Mismatches checked: the sales person's email; a lead's email; the opportunity's
//!   `externalCompanyId`, `externalSalesPersonId`, `amount` (to the cent) and `stage`; a
//!   contact who has a role on the opportunity but a different one. A company or lead owned by
//!   another seller is not a mismatch: several referrals (and sellers) may share a customer.
//! - A record that is missing while a step it depends on is not in Marketo is `Blocked`: pushing
//!   it alone would be skipped; pushing in order fixes both.
//! - Badge: every record synced and no plan problem → synced; no record present at all →
//!   missing; anything else (including a mismatch) → partial.
//! - A [`SyncReport`] serialises to JSON (steps by snake-case name, states tagged `state`,
//!   Marketo ids as a number or a GUID string) so the store can keep the last one per referral.

use std::fmt;

use serde::{Deserialize, Serialize};

mod assess;
mod instance;
mod mapping;
mod plan;
mod records;
mod wire;

#[cfg(test)]
mod tests;

pub use assess::*;
pub use instance::*;
pub use mapping::*;
pub use plan::*;
pub use records::*;
pub use wire::*;

/// The one-word Marketo state shown in the list and filtered by `mkto:`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MarketoBadge {
    /// Not checked yet.
    #[default]
    Unknown,
    /// All five steps are in Marketo and agree with Partner Center.
    Synced,
    /// Some steps are there, or a step disagrees (e.g. the sales person's email).
    Partial,
    /// Nothing of the referral is in Marketo.
    Missing,
}

impl MarketoBadge {
    pub const ALL: [MarketoBadge; 4] = [
        MarketoBadge::Unknown,
        MarketoBadge::Synced,
        MarketoBadge::Partial,
        MarketoBadge::Missing,
    ];

    /// The word used in the list, the filter (`mkto:partial`) and the store.
    pub fn as_str(&self) -> &'static str {
        match self {
            MarketoBadge::Unknown => "unknown",
            MarketoBadge::Synced => "synced",
            MarketoBadge::Partial => "partial",
            MarketoBadge::Missing => "missing",
        }
    }

    pub fn parse(s: &str) -> Option<MarketoBadge> {
        MarketoBadge::ALL
            .into_iter()
            .find(|b| b.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

// ---------------------------------------------------------------------------------------------
// Steps and objects
// ---------------------------------------------------------------------------------------------

/// The five sync steps, in the order Marketo requires (each needs the ones before it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    SalesPerson,
    Company,
    Leads,
    Opportunity,
    Roles,
}

impl Step {
    pub const ALL: [Step; 5] = [
        Step::SalesPerson,
        Step::Company,
        Step::Leads,
        Step::Opportunity,
        Step::Roles,
    ];

    /// How the step is named on screen.
    pub fn label(self) -> &'static str {
        match self {
            Step::SalesPerson => "sales person",
            Step::Company => "company",
            Step::Leads => "leads",
            Step::Opportunity => "opportunity",
            Step::Roles => "opportunity roles",
        }
    }

    /// The Marketo object the step writes.
    pub fn object(self) -> MarketoObject {
        match self {
            Step::SalesPerson => MarketoObject::SalesPerson,
            Step::Company => MarketoObject::Company,
            Step::Leads => MarketoObject::Lead,
            Step::Opportunity => MarketoObject::Opportunity,
            Step::Roles => MarketoObject::OpportunityRole,
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A Marketo lead-database object refdeck reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum MarketoObject {
    SalesPerson,
    Company,
    Lead,
    Opportunity,
    OpportunityRole,
}

impl MarketoObject {
    pub const ALL: [MarketoObject; 5] = [
        MarketoObject::SalesPerson,
        MarketoObject::Company,
        MarketoObject::Lead,
        MarketoObject::Opportunity,
        MarketoObject::OpportunityRole,
    ];

    /// The object's name in Marketo's describe output.
    pub fn name(self) -> &'static str {
        match self {
            MarketoObject::SalesPerson => "salesPerson",
            MarketoObject::Company => "company",
            MarketoObject::Lead => "lead",
            MarketoObject::Opportunity => "opportunity",
            MarketoObject::OpportunityRole => "opportunityRole",
        }
    }

    /// The path of the GET query (and of `POST ...?_method=GET`).
    pub fn query_path(self) -> &'static str {
        match self {
            MarketoObject::SalesPerson => "/rest/v1/salespersons.json",
            MarketoObject::Company => "/rest/v1/companies.json",
            MarketoObject::Lead => "/rest/v1/leads.json",
            MarketoObject::Opportunity => "/rest/v1/opportunities.json",
            MarketoObject::OpportunityRole => "/rest/v1/opportunities/roles.json",
        }
    }

    /// The path of the POST that creates or updates records: the query path for every object
    /// (e.g. `POST /rest/v1/salespersons.json`, AdobeDocs/marketo-developer.en
    /// help/rest-api/sales-persons.md and companies.md; there is no `…/sync.json`).
    pub fn sync_path(self) -> &'static str {
        self.query_path()
    }

    /// The path of the describe call.
    pub fn describe_path(self) -> &'static str {
        match self {
            MarketoObject::SalesPerson => "/rest/v1/salespersons/describe.json",
            MarketoObject::Company => "/rest/v1/companies/describe.json",
            MarketoObject::Lead => "/rest/v1/leads/describe.json",
            MarketoObject::Opportunity => "/rest/v1/opportunities/describe.json",
            MarketoObject::OpportunityRole => "/rest/v1/opportunities/roles/describe.json",
        }
    }

    /// The field holding Marketo's own id: an integer `id` or a `marketoGUID`.
    pub fn id_field(self) -> &'static str {
        match self {
            MarketoObject::Opportunity | MarketoObject::OpportunityRole => "marketoGUID",
            _ => "id",
        }
    }

    /// The external key refdeck matches records by (the `filterType` of its queries).
    pub fn key_field(self) -> &'static str {
        match self {
            MarketoObject::SalesPerson => "externalSalesPersonId",
            MarketoObject::Company => "externalCompanyId",
            MarketoObject::Lead => "externalPersonId",
            MarketoObject::Opportunity | MarketoObject::OpportunityRole => "externalOpportunityId",
        }
    }
}

impl fmt::Display for MarketoObject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

// ---------------------------------------------------------------------------------------------
// Push results
// ---------------------------------------------------------------------------------------------

/// What happened to one record during a push, reported as it happens.
#[derive(Debug, Clone, PartialEq)]
pub struct StepResult {
    pub step: Step,
    /// The record's key, as in [`RecordReport::key`].
    pub key: String,
    pub label: String,
    pub status: RecordStatus,
    pub marketo_id: Option<MarketoId>,
    /// Why it was skipped.
    pub reasons: Vec<ApiError>,
}

impl fmt::Display for StepResult {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}: {}", self.step, self.label, self.status)?;
        if let Some(id) = &self.marketo_id {
            write!(f, " (id {id})")?;
        }
        for r in &self.reasons {
            write!(f, "; {r}")?;
        }
        Ok(())
    }
}
