//! `GET /referrals`: query options, filtering, ordering, paging.
//!
//! From the docs:
//! - Pages hold at most 100 referrals; "if there are more than 100 items in a collection, use
//!   `@odata.nextLink` to get the next page" (learn.microsoft.com, partner-center/developer/
//!   get-a-list-of-referrals, 2019 revisions; the 2019-02 `pagesize` row: "100 is the maximum").
//! - `$top` is the total number of entries to retrieve, default all (the Partner Center
//!   Referrals connector's definition: "Total number of entries to retrieve (default = all)"),
//!   not a page size: `$top=150` answers 100 and then 50 through the nextLink; 0 gives an empty
//!   page.
//! - `$expand` is accepted ("Expands related entities inline (default = none)", same
//!   definition); no expandable navigation is named anywhere, so it changes nothing.
//! - The nextLink has the documented form
//!   `http://api.partner.microsoft.com/v1.0/referrals?$skiptoken=…` (another scheme and host, no
//!   `/engagements`) while the `docsNextLink` switch is on (the default), and names the
//!   sandbox's own origin when it is off. Clients follow its `$skiptoken` on their own base.
//!
//! Choices where the public record is silent:
//! - N matches (under `$top`) take ceil(N/100) calls: every page but the last carries the link.
//! - The first page takes a snapshot of the matching ids; later pages read from it, so paging is
//!   stable while referrals change (the referrals themselves are read fresh). Up to 32 snapshots
//!   are kept, each for 30 minutes after its last use; a token whose snapshot is gone re-runs its
//!   query and continues at its offset.
//! - The `$skiptoken` is opaque: hex of the query and offset, sealed with a per-sandbox keyed
//!   hash (SipHash; tamper-evident, not secret). A request with `$skiptoken` takes no other
//!   options; a token that was altered, or comes from another sandbox run, is 400.
//! - Default order: `createdDateTime desc`; ties are broken by `id` so pages never overlap.
//! - Finding the matches reads only (a shared lock, on a blocking thread); only taking the
//!   snapshot and rendering the page is exclusive. A slow query (a nested filter over a million
//!   referrals builds each of them) so never holds up other requests, as it would not on the
//!   service.
//! - `$select` names top-level fields; `id` is always included. Unknown names are 400, as are
//!   unknown properties in `$filter`, unknown `$` options and repeated options. Options are
//!   matched case-insensitively; parameters without `$` are ignored.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::error::ApiError;
use super::odata::{Fields, Filter};
use super::pages::{Query, Token};
use super::pick;
use super::referrals::{ROW_FIELDS, Referrals, Row, render};
use crate::domain::Referral;

/// Largest page (see the module notes).
pub const PAGE_SIZE: usize = 100;

/// Where the documented nextLink points (see the module notes).
pub const DOCS_NEXT_LINK_BASE: &str = "http://api.partner.microsoft.com/v1.0";

/// The top-level fields of a referral (spec "The referral"), for `$select` and `$filter`.
pub const FIELDS: &[&str] = &[
    "id",
    "engagementId",
    "organizationId",
    "organizationName",
    "mpnId",
    "name",
    "externalReferenceId",
    "createdDateTime",
    "updatedDateTime",
    "expirationDateTime",
    "acceptedDateTime",
    "closedDateTime",
    "status",
    "substatus",
    "statusReason",
    "type",
    "qualification",
    "direction",
    "salesStage",
    "campaignId",
    "partnerRole",
    "solutionArea",
    "solutionPlay",
    "referralProgram",
    "favorite",
    "isSpam",
    "quality",
    "tags",
    "registrationStatus",
    "registrations",
    "target",
    "customerProfile",
    "consent",
    "details",
    "team",
    "inviteContext",
    "links",
    "trackingInfo",
    "eTag",
    "lastModifiedVia",
    "lastRunId",
    "referralSource",
    "callToAction",
];

impl Fields for Referral {
    fn field(&self, path: &[String]) -> Option<Cow<'_, Value>> {
        pick::at_path(self, path).map(Cow::Owned)
    }
}

impl Referrals {
    /// Answers `GET /referrals` with the raw query string; `api_base` is
    /// `http://host/v1.0/engagements` (for links and context), `next_base` what the nextLink
    /// starts with before `/referrals` (`api_base`, or [`DOCS_NEXT_LINK_BASE`]).
    pub fn list(
        &mut self,
        raw_query: Option<&str>,
        api_base: &str,
        next_base: &str,
    ) -> Result<Value, ApiError> {
        let plan = self.plan_list(raw_query)?;
        self.finish_list(plan, api_base, next_base)
    }

    /// The part of [`Referrals::list`] that reads only: the query checked and, unless a kept
    /// snapshot answers it, the matching referrals found (the slow part: a nested filter over a
    /// million referrals builds each of them). The server runs it under a shared lock on a
    /// blocking thread, so other requests go on meanwhile.
    pub fn plan_list(&self, raw_query: Option<&str>) -> Result<ListPlan, ApiError> {
        let options = parse_options(raw_query.unwrap_or(""))?;
        let (query, offset, snapshot) = match options.get("$skiptoken") {
            Some(token) => {
                if options.len() > 1 {
                    return Err(ApiError::invalid(
                        "$skiptoken",
                        "a request with $skiptoken takes no other query options; follow @odata.nextLink exactly as returned",
                    ));
                }
                let t = self.pages.decode(token)?;
                (t.query, t.offset, Some(t.snapshot))
            }
            None => {
                let (q, skip) = first_page_query(&options)?;
                (q, skip, None)
            }
        };
        let filter = parse_filter(query.filter.as_deref())?;
        let order = parse_orderby(query.orderby.as_deref())?;
        let kept = snapshot.filter(|&id| self.pages.has(id));
        let ids = match kept {
            Some(_) => None,
            None => Some(Arc::new(self.matching(filter.as_ref(), &order))),
        };
        Ok(ListPlan {
            query,
            offset,
            snapshot: kept,
            ids,
            filter,
            order,
        })
    }

    /// The rest of [`Referrals::list`], under the exclusive lock: the snapshot kept or taken,
    /// the page rendered.
    pub fn finish_list(
        &mut self,
        plan: ListPlan,
        api_base: &str,
        next_base: &str,
    ) -> Result<Value, ApiError> {
        let ListPlan {
            query,
            offset,
            snapshot,
            ids,
            filter,
            order,
        } = plan;
        let kept = snapshot.and_then(|id| self.pages.get(id).map(|ids| (id, ids)));
        let (snapshot_id, ids) = match kept {
            Some(found) => found,
            None => {
                // Without ids the snapshot went between the two steps (rare): find them now.
                let ids = ids.unwrap_or_else(|| Arc::new(self.matching(filter.as_ref(), &order)));
                (self.pages.put(ids.clone()), ids)
            }
        };
        let stop = query.stop.map_or(ids.len(), |s| s.min(ids.len()));
        let end = (offset + PAGE_SIZE).min(stop);
        let start = offset.min(end);
        let value: Vec<Value> = ids[start..end]
            .iter()
            .map(|&i| {
                select(
                    render(&self.at(i as usize), api_base),
                    query.select.as_deref(),
                )
            })
            .collect();
        let mut body = Map::new();
        body.insert("@odata.context".into(), json!(context(api_base, &query)));
        if query.count {
            body.insert("@odata.count".into(), json!(ids.len()));
        }
        body.insert("value".into(), Value::Array(value));
        if end < stop {
            let token = self.pages.encode(&Token {
                snapshot: snapshot_id,
                offset: end,
                query,
            });
            body.insert(
                "@odata.nextLink".into(),
                json!(format!("{next_base}/referrals?$skiptoken={token}")),
            );
        }
        Ok(Value::Object(body))
    }

    /// Indexes of the referrals matching `filter`, in `order`. A filter on the fields every
    /// row holds is answered from the rows; any other builds each referral once.
    fn matching(&self, filter: Option<&Filter>, order: &[(SortKey, bool)]) -> Vec<u32> {
        let mut ids: Vec<u32> = match filter {
            None => (0..self.rows.len() as u32).collect(),
            Some(f)
                if f.properties()
                    .iter()
                    .all(|(name, _)| ROW_FIELDS.contains(name)) =>
            {
                (0..self.rows.len() as u32)
                    .filter(|&i| f.matches(&self.rows[i as usize].skeleton()))
                    .collect()
            }
            Some(f) => self.scan(|r| f.matches(r)),
        };
        ids.sort_by(|&a, &b| {
            let (ra, rb) = (&self.rows[a as usize], &self.rows[b as usize]);
            order
                .iter()
                .map(|(key, desc)| {
                    let o = key.of(ra).cmp(&key.of(rb));
                    if *desc { o.reverse() } else { o }
                })
                .find(|o| o.is_ne())
                .unwrap_or_else(|| ra.id.cmp(&rb.id))
        });
        ids
    }
}

/// A list request worked out by [`Referrals::plan_list`], for [`Referrals::finish_list`].
pub struct ListPlan {
    query: Query,
    offset: usize,
    /// The kept snapshot a `$skiptoken` names.
    snapshot: Option<u64>,
    /// The matching referrals, when no snapshot answers.
    ids: Option<Arc<Vec<u32>>>,
    filter: Option<Filter>,
    order: Vec<(SortKey, bool)>,
}

#[derive(Debug, Clone, Copy)]
enum SortKey {
    Created,
    Updated,
}

impl SortKey {
    fn of(self, r: &Row) -> Option<chrono::DateTime<chrono::Utc>> {
        match self {
            SortKey::Created => r.created,
            SortKey::Updated => r.updated,
        }
    }
}

const OPTIONS: [&str; 8] = [
    "$filter",
    "$orderby",
    "$select",
    "$expand",
    "$top",
    "$skip",
    "$count",
    "$skiptoken",
];

/// The `$` options of a query string, keyed by their canonical lower-case names.
fn parse_options(raw: &str) -> Result<HashMap<&'static str, String>, ApiError> {
    let mut out = HashMap::new();
    for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
        if !key.starts_with('$') {
            continue;
        }
        let Some(name) = OPTIONS.iter().find(|o| o.eq_ignore_ascii_case(&key)) else {
            return Err(ApiError::invalid(
                key.to_string(),
                format!(
                    "`{key}` is not a supported query option; use {}",
                    OPTIONS.join(", ")
                ),
            ));
        };
        if out.insert(*name, value.into_owned()).is_some() {
            return Err(ApiError::invalid(
                *name,
                format!("{name} is given more than once; give it once"),
            ));
        }
    }
    Ok(out)
}

fn first_page_query(options: &HashMap<&'static str, String>) -> Result<(Query, usize), ApiError> {
    let top = match options.get("$top") {
        None => None,
        Some(t) => Some(t.trim().parse::<usize>().map_err(|_| {
            ApiError::invalid(
                "$top",
                format!(
                    "$top=`{t}` is not a whole number, 0 or more (the total number of referrals to retrieve)"
                ),
            )
        })?),
    };
    let skip = match options.get("$skip") {
        None => 0,
        Some(s) => s.trim().parse::<usize>().map_err(|_| {
            ApiError::invalid(
                "$skip",
                format!("$skip=`{s}` is not a whole number, 0 or more"),
            )
        })?,
    };
    let count = match options.get("$count").map(|c| c.trim().to_ascii_lowercase()) {
        None => false,
        Some(c) if c == "true" => true,
        Some(c) if c == "false" => false,
        Some(c) => {
            return Err(ApiError::invalid(
                "$count",
                format!("$count=`{c}` must be true or false"),
            ));
        }
    };
    let select = match options.get("$select") {
        None => None,
        Some(s) => Some(parse_select(s)?),
    };
    let filter = options
        .get("$filter")
        .filter(|f| !f.trim().is_empty())
        .cloned();
    let query = Query {
        filter,
        orderby: options.get("$orderby").cloned(),
        select,
        stop: top.map(|t| skip.saturating_add(t)),
        count,
    };
    // Check the filter and order now, so a bad one fails before any work.
    parse_filter(query.filter.as_deref())?;
    parse_orderby(query.orderby.as_deref())?;
    Ok((query, skip))
}

fn parse_filter(text: Option<&str>) -> Result<Option<Filter>, ApiError> {
    let Some(text) = text else {
        return Ok(None);
    };
    let filter = Filter::parse(text).map_err(|e| {
        ApiError::invalid("$filter", format!("$filter: {e}"))
            .with_inner("position", json!(e.position))
    })?;
    if let Some((name, position)) = filter
        .properties()
        .into_iter()
        .find(|(name, _)| !FIELDS.contains(name))
    {
        return Err(ApiError::invalid(
            "$filter",
            format!("$filter: `{name}` is not a property of a referral (at position {position})"),
        )
        .with_inner("position", json!(position)));
    }
    Ok(Some(filter))
}

fn parse_orderby(text: Option<&str>) -> Result<Vec<(SortKey, bool)>, ApiError> {
    let Some(text) = text.filter(|t| !t.trim().is_empty()) else {
        return Ok(vec![(SortKey::Created, true)]);
    };
    text.split(',')
        .map(|part| {
            let mut words = part.split_whitespace();
            let field = words.next().unwrap_or("");
            let key = match field {
                "createdDateTime" => SortKey::Created,
                "updatedDateTime" => SortKey::Updated,
                other => {
                    return Err(ApiError::invalid(
                        "$orderby",
                        format!("cannot order by `{other}`; use createdDateTime or updatedDateTime, then asc or desc"),
                    ));
                }
            };
            let desc = match words.next().map(str::to_ascii_lowercase).as_deref() {
                None | Some("asc") => false,
                Some("desc") => true,
                Some(other) => {
                    return Err(ApiError::invalid(
                        "$orderby",
                        format!("`{other}` is not a direction; use asc or desc"),
                    ));
                }
            };
            if let Some(extra) = words.next() {
                return Err(ApiError::invalid(
                    "$orderby",
                    format!("unexpected `{extra}` in $orderby; separate fields with commas"),
                ));
            }
            Ok((key, desc))
        })
        .collect()
}

fn parse_select(text: &str) -> Result<Vec<String>, ApiError> {
    let names: Vec<String> = text
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if let Some(bad) = names.iter().find(|n| !FIELDS.contains(&n.as_str())) {
        return Err(ApiError::invalid(
            "$select",
            format!(
                "`{bad}` is not a field of a referral; $select takes top-level names like id,name,status"
            ),
        ));
    }
    Ok(names)
}

fn select(v: Value, names: Option<&[String]>) -> Value {
    let (Some(names), Value::Object(map)) = (names, &v) else {
        return v;
    };
    let kept: Map<String, Value> = map
        .iter()
        .filter(|(k, _)| *k == "id" || names.iter().any(|n| n == *k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    Value::Object(kept)
}

fn context(api_base: &str, q: &Query) -> String {
    match &q.select {
        Some(names) => format!("{api_base}/$metadata#referrals({})", names.join(",")),
        None => format!("{api_base}/$metadata#referrals"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::demo;

    const BASE: &str = "http://h/v1.0/engagements";

    fn store(n: usize) -> Referrals {
        Referrals::new(demo::generate(n, 4, chrono::Utc::now()))
    }

    fn next_query(body: &Value) -> Option<String> {
        body["@odata.nextLink"]
            .as_str()
            .map(|l| l.split_once('?').unwrap().1.to_string())
    }

    #[test]
    fn pages_cover_everything_once_in_order() {
        let mut s = store(250);
        let mut q = Some("$count=true".to_string());
        let mut seen = Vec::new();
        let mut calls = 0;
        while let Some(query) = q {
            let body = s.list(Some(&query), BASE, BASE).unwrap();
            calls += 1;
            assert_eq!(body["@odata.count"], 250);
            for v in body["value"].as_array().unwrap() {
                seen.push((
                    v["createdDateTime"].as_str().unwrap().to_string(),
                    v["id"].as_str().unwrap().to_string(),
                ));
            }
            q = next_query(&body);
        }
        assert_eq!(calls, 3);
        assert_eq!(seen.len(), 250);
        let mut sorted = seen.clone();
        sorted.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        assert_eq!(seen, sorted);
    }

    #[test]
    fn options_are_validated() {
        let mut s = store(10);
        for (q, target) in [
            ("$top=-1", "$top"),
            ("$top=ten", "$top"),
            ("$skip=-1", "$skip"),
            ("$count=maybe", "$count"),
            ("$orderby=name", "$orderby"),
            ("$orderby=createdDateTime%20up", "$orderby"),
            ("$select=id,nope", "$select"),
            ("$filter=status%20eq", "$filter"),
            ("$filter=stauts%20eq%20'New'", "$filter"),
            ("$apply=x", "$apply"),
            ("$top=1&$TOP=2", "$top"),
            ("$skiptoken=abc", "$skiptoken"),
        ] {
            let e = s.list(Some(q), BASE, BASE).unwrap_err();
            assert_eq!(e.target.as_deref(), Some(target), "{q}: {}", e.message);
        }
        let e = s.list(Some("$filter=status%20eq"), BASE, BASE).unwrap_err();
        assert_eq!(e.inner["position"], 9);
        assert!(s.list(Some("api-version=1&$TOP=5"), BASE, BASE).is_ok());
    }

    #[test]
    fn tampered_or_mixed_tokens_are_refused() {
        let mut s = store(130);
        let body = s.list(None, BASE, BASE).unwrap();
        let next = next_query(&body).unwrap();
        let token = next.strip_prefix("$skiptoken=").unwrap();
        let mut chars: Vec<char> = token.chars().collect();
        chars[3] = if chars[3] == '0' { '1' } else { '0' };
        let bad: String = chars.into_iter().collect();
        assert!(
            s.list(Some(&format!("$skiptoken={bad}")), BASE, BASE)
                .is_err()
        );
        assert!(s.list(Some(&format!("{next}&$top=5")), BASE, BASE).is_err());
        let page2 = s.list(Some(&next), BASE, BASE).unwrap();
        assert_eq!(page2["value"].as_array().unwrap().len(), 30);
        // A snapshot that is gone is rebuilt from the token's query.
        s.pages.forget_all();
        let again = s.list(Some(&next), BASE, BASE).unwrap();
        assert_eq!(again["value"], page2["value"]);
    }

    #[test]
    fn select_keeps_id_and_the_named_fields() {
        let mut s = store(5);
        let body = s
            .list(Some("$select=name,status&$top=2"), BASE, BASE)
            .unwrap();
        let first = body["value"][0].as_object().unwrap();
        let keys: Vec<&String> = first.keys().collect();
        assert_eq!(keys, ["id", "name", "status"]);
        assert!(
            body["@odata.context"]
                .as_str()
                .unwrap()
                .ends_with("#referrals(name,status)")
        );
    }

    #[test]
    fn top_is_a_total_and_skip_moves_the_start() {
        let mut s = store(12);
        let body = s.list(Some("$top=0&$count=true"), BASE, BASE).unwrap();
        assert_eq!(body["value"].as_array().unwrap().len(), 0);
        assert!(body.get("@odata.nextLink").is_none());
        let all = s.list(None, BASE, BASE).unwrap();
        let skipped = s.list(Some("$skip=10"), BASE, BASE).unwrap();
        assert_eq!(skipped["value"].as_array().unwrap().len(), 2);
        assert_eq!(skipped["value"][0], all["value"][10]);
        let two = s.list(Some("$skip=3&$top=2"), BASE, BASE).unwrap();
        assert_eq!(two["value"].as_array().unwrap().len(), 2);
        assert_eq!(two["value"][0], all["value"][3]);
        let mut big = store(230);
        let first = big.list(Some("$top=150"), BASE, "http://x/v1.0").unwrap();
        assert_eq!(first["value"].as_array().unwrap().len(), 100);
        let link = first["@odata.nextLink"].as_str().unwrap();
        assert!(
            link.starts_with("http://x/v1.0/referrals?$skiptoken="),
            "{link}"
        );
        let rest = big
            .list(Some(&next_query(&first).unwrap()), BASE, BASE)
            .unwrap();
        assert_eq!(rest["value"].as_array().unwrap().len(), 50);
        assert!(rest.get("@odata.nextLink").is_none());
        let past = s.list(Some("$skip=50"), BASE, BASE).unwrap();
        assert_eq!(past["value"].as_array().unwrap().len(), 0);
    }
}
