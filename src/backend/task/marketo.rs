//! The backend's Marketo work: checking referrals, pushing what is missing, and keeping the
//! list badges, the stored reports and the top bar's link state up to date.
//!
//! - Check of some referrals (`MarketoCheck { ids }`, sent when the Marketo view opens): the
//!   stored report of each is sent first ([`ReportSource::Cached`]), then a live check answers
//!   with a fresh report ([`ReportSource::Checked`]), new badges, and the report is stored.
//! - Check of the whole list (`MarketoCheck { all: true }`): the cached ids are read in list
//!   order and checked in slices of [`BackendConfig::marketo_slice`](super::BackendConfig)
//!   referrals (one `MarketoClient::check` each, so every object is queried 300 keys a call);
//!   only that slice is in memory. Each slice's badges and reports are written in one
//!   transaction and sent as [`Event::MarketoBadges`] with [`Event::MarketoProgress`]; the end
//!   (or the error that stopped it) is [`Event::MarketoCheckDone`]. Full reports are not sent
//!   for the whole list: the view checks its own referral when it opens. One such check runs at
//!   a time; a second request while one runs is declined with a notice. Measured against the
//!   sandbox (`tests/marketo_backend.rs` and a one-off run): 300 referrals in slices of 150
//!   took 10 calls; 3,000 referrals took 54 calls in one slice of 3,000 and 64 in slices of
//!   300 (under half a second on loopback) — checking them one by one would take 15,000.
//! - Push (`MarketoPush { id }`): a live check first (so only what is missing *now* is
//!   written), then `MarketoClient::push_missing`, whose per-record results are forwarded as
//!   [`Event::MarketoPushed`] in step order as each batch lands; it ends with the client's fresh
//!   report ([`ReportSource::Pushed`]), its badge, and a notice with the counts. One push per
//!   referral at a time.
//! - Link: every Marketo call's outcome sets the top bar's Marketo link — online on success,
//!   offline with a short reason when Marketo cannot be reached, refuses the sign-in, or keeps
//!   throttling; an error about the request itself (a bad record) leaves it online.

use std::collections::HashSet;
use std::sync::atomic::Ordering;

use chrono::{DateTime, Utc};

use super::Ctx;
use crate::backend::marketo::{MarketoClient, MarketoError};
use crate::domain::Referral;
use crate::domain::marketo::{MarketoBadge, SyncReport, codes};
use crate::protocol::{BadgeCounts, Connection, Event, Level, Link, PushTally, ReportSource};

/// Why nothing can be checked.
const NOT_CONFIGURED: &str = "Marketo is not configured: set [marketo] url, client_id and client_secret in the config, or start with --marketo-url";
/// Why a referral cannot be checked.
const NOT_CACHED: &str = "this referral is not in the local cache; refresh (R) first";

impl Ctx {
    /// Sends Marketo's current link state (at start).
    pub(super) fn send_marketo_link(&self) {
        let link = self
            .mkto_link
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        self.send(Event::Marketo(Connection {
            label: self.mkto_label.clone(),
            link,
        }));
    }

    /// Notes the outcome of a Marketo call for the top bar.
    fn observe_marketo<T>(&self, r: &Result<T, MarketoError>) {
        let link = match r.as_ref().err().and_then(offline_reason) {
            Some(why) => Link::Offline(why),
            None => Link::Online,
        };
        if super::swap_link(&self.mkto_link, &link) {
            self.send(Event::Marketo(Connection {
                label: self.mkto_label.clone(),
                link,
            }));
        }
    }

    pub(super) async fn marketo_check(self, ids: Vec<String>, all: bool) {
        if all {
            self.marketo_check_all().await;
        } else {
            self.marketo_check_ids(ids).await;
        }
    }

    /// Cached reports first, then a live check of `ids`.
    async fn marketo_check_ids(&self, ids: Vec<String>) {
        let keys = ids.clone();
        let loaded = self
            .db(move |s| {
                let mut cached = Vec::new();
                for id in &keys {
                    if let Some((json, at)) = s.marketo_report(id)? {
                        cached.push((id.clone(), json, at));
                    }
                }
                Ok((cached, s.get_many(&keys)?))
            })
            .await;
        let (cached, referrals) = match loaded {
            Ok(l) => l,
            Err(e) => {
                self.fail_all(&ids, &e.to_string());
                return;
            }
        };
        for (id, json, at) in cached {
            // A report an older build wrote in another shape is simply not shown.
            if let Ok(report) = serde_json::from_str::<SyncReport>(&json) {
                self.send_report(&id, report, at, ReportSource::Cached);
            }
        }
        let found: HashSet<&str> = referrals.iter().map(Referral::id).collect();
        for id in ids.iter().filter(|id| !found.contains(id.as_str())) {
            self.fail(id, NOT_CACHED);
        }
        let Some(mk) = self.mkto.clone() else {
            let ids: Vec<String> = referrals.iter().map(|r| r.id().to_string()).collect();
            self.fail_all(&ids, NOT_CONFIGURED);
            return;
        };
        for slice in referrals.chunks(self.mkto_slice) {
            match self.check_slice(&mk, slice).await {
                Ok((reports, at)) => {
                    for report in reports {
                        let id = report.referral_id.clone();
                        self.send_report(&id, report, at, ReportSource::Checked);
                    }
                }
                Err(message) => {
                    let ids: Vec<String> = slice.iter().map(|r| r.id().to_string()).collect();
                    self.fail_all(&ids, &message);
                }
            }
        }
    }

    /// Every cached referral, slice by slice, with progress.
    async fn marketo_check_all(&self) {
        let Some(mk) = self.mkto.clone() else {
            self.send(Event::MarketoCheckDone {
                counts: BadgeCounts::default(),
                error: Some(NOT_CONFIGURED.into()),
            });
            return;
        };
        if self.checking_all.swap(true, Ordering::SeqCst) {
            self.notice(
                Level::Info,
                "a Marketo check of every referral is already running",
            );
            return;
        }
        let (counts, error) = self.check_every_slice(&mk).await;
        self.send(Event::MarketoCheckDone { counts, error });
        self.checking_all.store(false, Ordering::SeqCst);
    }

    async fn check_every_slice(&self, mk: &MarketoClient) -> (BadgeCounts, Option<String>) {
        let mut counts = BadgeCounts::default();
        let ids = match self.db(|s| s.ids()).await {
            Ok(ids) => ids,
            Err(e) => return (counts, Some(e.to_string())),
        };
        let total = ids.len();
        self.send(Event::MarketoProgress { done: 0, total });
        let mut done = 0;
        for chunk in ids.chunks(self.mkto_slice) {
            let keys = chunk.to_vec();
            let referrals = match self.db(move |s| s.get_many(&keys)).await {
                Ok(r) => r,
                Err(e) => return (counts, Some(e.to_string())),
            };
            match self.check_slice(mk, &referrals).await {
                Ok((reports, _)) => reports.iter().for_each(|r| counts.add(r.badge())),
                Err(message) => {
                    return (
                        counts,
                        Some(format!("stopped after {done} of {total}: {message}")),
                    );
                }
            }
            done += chunk.len();
            self.send(Event::MarketoProgress { done, total });
        }
        (counts, None)
    }

    /// Checks `referrals` in one client call; stores and announces the badges and reports.
    async fn check_slice(
        &self,
        mk: &MarketoClient,
        referrals: &[Referral],
    ) -> Result<(Vec<SyncReport>, DateTime<Utc>), String> {
        let result = mk.check(referrals).await;
        self.observe_marketo(&result);
        let reports = result.map_err(|e| e.to_string())?;
        let at = self.record(&reports).await;
        Ok((reports, at))
    }

    /// Writes the badges and reports to the store (one transaction) and sends the badges.
    async fn record(&self, reports: &[SyncReport]) -> DateTime<Utc> {
        let at = Utc::now();
        let items: Vec<(String, MarketoBadge, Option<String>)> = reports
            .iter()
            .map(|r| {
                (
                    r.referral_id.clone(),
                    r.badge(),
                    serde_json::to_string(r).ok(),
                )
            })
            .collect();
        let badges: Vec<(String, MarketoBadge)> =
            items.iter().map(|(id, b, _)| (id.clone(), *b)).collect();
        if let Err(e) = self.db(move |s| s.set_marketo_many(&items, at)).await {
            self.notice(
                Level::Error,
                format!("Marketo results could not be cached: {e}"),
            );
        }
        if !badges.is_empty() {
            self.send(Event::MarketoBadges(badges));
        }
        at
    }

    pub(super) async fn marketo_push(self, id: String) {
        let Some(mk) = self.mkto.clone() else {
            self.fail(&id, NOT_CONFIGURED);
            return;
        };
        let first = self
            .pushing
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id.clone());
        if !first {
            self.notice(
                Level::Info,
                "a Marketo push of this referral is already running",
            );
            return;
        }
        let outcome = self.push_one(&mk, &id).await;
        // Free the referral before the end is announced, so a push asked for right after
        // the last event is not refused as still running.
        self.pushing
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
        match outcome {
            Ok(done) => {
                let PushDone {
                    name,
                    report,
                    at,
                    tally,
                } = done;
                self.send_report(&id, report, at, ReportSource::Pushed);
                let (level, text) = match tally {
                    None => (Level::Info, format!("“{name}”: nothing to push to Marketo")),
                    Some(t) if t.skipped > 0 => {
                        (Level::Warning, format!("“{name}” pushed to Marketo: {t}"))
                    }
                    Some(t) => (Level::Success, format!("“{name}” pushed to Marketo: {t}")),
                };
                self.notice(level, text);
            }
            Err(message) => self.fail(&id, &message),
        }
    }

    /// A live check, then the push of what it shows missing; the per-record results go out
    /// as they come, the end is for the caller to announce.
    async fn push_one(&self, mk: &MarketoClient, id: &str) -> Result<PushDone, String> {
        let key = id.to_string();
        let referral = self
            .db(move |s| s.get(&key))
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| NOT_CACHED.to_string())?;
        let (reports, at) = self
            .check_slice(mk, std::slice::from_ref(&referral))
            .await?;
        let before = reports
            .into_iter()
            .next()
            .ok_or_else(|| "Marketo's check returned no report".to_string())?;
        let name = referral.name().to_string();
        if before.to_push() == 0 {
            return Ok(PushDone {
                name,
                report: before,
                at,
                tally: None,
            });
        }
        self.send_report(id, before.clone(), at, ReportSource::Checked);
        let mut tally = PushTally::default();
        let events = self.events.clone();
        let result = mk
            .push_missing(&referral, &before, |result| {
                tally.add(&result.status);
                let _ = events.send(Event::MarketoPushed {
                    id: id.to_string(),
                    result,
                });
            })
            .await;
        self.observe_marketo(&result);
        let after = result.map_err(|e| e.to_string())?;
        let at = self.record(std::slice::from_ref(&after)).await;
        Ok(PushDone {
            name,
            report: after,
            at,
            tally: Some(tally),
        })
    }

    fn send_report(&self, id: &str, report: SyncReport, at: DateTime<Utc>, source: ReportSource) {
        self.send(Event::MarketoReport {
            id: id.to_string(),
            report: Box::new(report),
            checked_at: at,
            source,
        });
    }

    fn fail(&self, id: &str, message: &str) {
        self.send(Event::MarketoFailed {
            id: id.to_string(),
            message: message.to_string(),
        });
    }

    fn fail_all(&self, ids: &[String], message: &str) {
        ids.iter().for_each(|id| self.fail(id, message));
    }
}

/// How a push ended: the referral's name, the fresh report, and what was written (`None`
/// when there was nothing to push).
struct PushDone {
    name: String,
    report: SyncReport,
    at: DateTime<Utc>,
    tally: Option<PushTally>,
}

/// The top bar's short reason when an error means Marketo cannot be used right now; `None`
/// when the error is about the request (Marketo answered).
fn offline_reason(e: &MarketoError) -> Option<String> {
    match e {
        MarketoError::Transport { .. } => Some("unreachable".into()),
        MarketoError::Http { status, .. } => Some(format!("HTTP {status}")),
        MarketoError::Auth { .. } => Some("sign-in refused".into()),
        MarketoError::GaveUp { code, .. } => Some(match code.as_str() {
            codes::RATE_LIMIT => "rate limited".into(),
            codes::CONCURRENCY => "too many calls at once".into(),
            codes::TOKEN_INVALID | codes::TOKEN_EXPIRED => "sign-in refused".into(),
            other => format!("error {other}"),
        }),
        MarketoError::BadBaseUrl { .. } => Some("bad URL".into()),
        MarketoError::Mapping(_)
        | MarketoError::Api { .. }
        | MarketoError::Malformed { .. }
        | MarketoError::Refused(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_errors_that_stop_all_use_mark_marketo_offline() {
        let transport = MarketoError::Transport {
            path: "/rest/v1/leads.json".into(),
            message: "connection refused".into(),
        };
        assert_eq!(offline_reason(&transport).as_deref(), Some("unreachable"));
        let throttled = MarketoError::GaveUp {
            code: "606".into(),
            message: "Max rate limit exceeded".into(),
            path: "/rest/v1/leads.json".into(),
            attempts: 6,
        };
        assert_eq!(offline_reason(&throttled).as_deref(), Some("rate limited"));
        let http = MarketoError::Http {
            status: 503,
            path: "/rest/v1/leads.json".into(),
            snippet: "down".into(),
        };
        assert_eq!(offline_reason(&http).as_deref(), Some("HTTP 503"));
        let bad_record = MarketoError::Api {
            code: "1003".into(),
            message: "Invalid data".into(),
            path: "/rest/v1/leads.json".into(),
        };
        assert_eq!(offline_reason(&bad_record), None);
    }
}
