//! Sync: the list from the server into the store.

use chrono::Utc;

use super::Ctx;
use crate::backend::partner_center::{ListQuery, PAGE_SIZE};
use crate::backend::store::StoreError;
use crate::domain::outbox::StoreOp;
use crate::domain::time::format_datetime;
use crate::domain::{Referral, ReferralRow};
use crate::protocol::{Event, Level, Link};

impl Ctx {
    /// Fetches what changed since the last sync (everything when `full` or never synced) and
    /// stores it.
    pub(super) async fn refresh(self, full: bool) {
        self.run_refresh(full, false).await;
    }

    /// The periodic refresh: skipped while a sync runs or when less than a fifth of the
    /// Partner Center call budget is left; announces the new incoming referrals it finds
    /// ([`Event::NewIncoming`]).
    pub(super) async fn background_refresh(self) {
        use std::sync::atomic::Ordering;
        let ((left, max), _) = self.budget();
        if self.refreshing.load(Ordering::SeqCst) || left * 5 < max {
            tracing::info!(left, max, "background refresh skipped");
            return;
        }
        self.run_refresh(false, true).await;
    }

    async fn run_refresh(self, full: bool, background: bool) {
        use std::sync::atomic::Ordering;
        let Some(pc) = self.pc.clone() else {
            self.notice(
                Level::Warning,
                "Partner Center is not configured; nothing to refresh",
            );
            return;
        };
        if self.refreshing.swap(true, Ordering::SeqCst) {
            return;
        }
        let source = self.source.clone();
        let since = if full {
            None
        } else {
            self.db(move |s| s.last_sync(&source)).await.ok().flatten()
        };
        self.send(Event::RefreshStarted {
            full: since.is_none(),
        });
        // `updatedDateTime` is a documented `$filter` field, but the docs show only `eq` (and
        // `and`) in their examples (learn.microsoft.com, partner-center/developer/
        // get-a-list-of-referrals); `gt` is the one operator beyond them we send, since an
        // incremental refresh cannot be written with `eq`. No `$orderby` (only
        // `createdDateTime` is documented, and order does not matter here).
        let query = ListQuery {
            filter: since.map(|t| format!("updatedDateTime gt {}", format_datetime(&t))),
            count: true,
            ..ListQuery::default()
        };
        // Each page is stored and shown as it arrives; progress follows its rows.
        // The total is the service's `@odata.count` (documented on every list answer); the
        // pages left and the client's call budget give the least time the rest takes.
        let (pages, mut arrived) = tokio::sync::mpsc::unbounded_channel();
        let pacer = pc.clone();
        let listing = async move {
            pc.list_pages(&query, move |page, fetched, total| {
                let paced = total.map(|t| {
                    let left = usize::try_from(t).unwrap_or(usize::MAX);
                    pacer.time_for_calls(left.saturating_sub(fetched).div_ceil(PAGE_SIZE))
                });
                let _ = pages.send((page.to_vec(), fetched, total, paced));
            })
            .await
        };
        let mut arrived_new = std::collections::HashSet::new();
        let storing = async {
            let mut failed = None;
            while let Some((page, fetched, total, paced)) = arrived.recv().await {
                if failed.is_some() {
                    continue;
                }
                let source = self.source.clone();
                match self
                    .db(move |s| s.apply(&source, &[StoreOp::FetchedPage(page)]))
                    .await
                {
                    Ok(rows) => {
                        // A page came: Partner Center answers.
                        self.set_link(Link::Online);
                        arrived_new.extend(
                            rows.iter()
                                .filter(|r| {
                                    r.unseen
                                        && r.status == crate::domain::Status::New
                                        && r.direction == Some(crate::domain::Direction::Incoming)
                                })
                                .map(|r| r.id.clone()),
                        );
                        if !rows.is_empty() {
                            self.send(Event::RowsChanged { rows });
                        }
                        self.send(Event::RefreshProgress {
                            fetched,
                            total,
                            paced,
                        });
                    }
                    Err(e) => failed = Some(e),
                }
            }
            failed
        };
        let (result, failed) = tokio::join!(listing, storing);
        self.observe(&result);
        match (result, failed) {
            (Ok(listing), None) => {
                if !listing.skipped.is_empty() {
                    let ids: Vec<&str> = listing
                        .skipped
                        .iter()
                        .map(|s| s.id.as_deref().unwrap_or("?"))
                        .collect();
                    self.notice(
                        Level::Warning,
                        format!(
                            "{} referral(s) could not be read and were skipped ({}); see the log",
                            listing.skipped.len(),
                            ids.join(", ")
                        ),
                    );
                }
                let changed = listing.referrals.len();
                // Every page is stored: the sync mark moves.
                match self.store_fetched(Vec::new()).await {
                    Ok(_) => {
                        self.send(Event::RefreshDone {
                            at: Utc::now(),
                            changed,
                        });
                        if background && !arrived_new.is_empty() {
                            self.send(Event::NewIncoming {
                                count: arrived_new.len(),
                            });
                        }
                    }
                    Err(e) => self.send(Event::RefreshFailed {
                        message: e.to_string(),
                    }),
                }
            }
            (_, Some(e)) => self.send(Event::RefreshFailed {
                message: e.to_string(),
            }),
            (Err(e), None) => self.send(Event::RefreshFailed {
                message: e.to_string(),
            }),
        }
        self.refreshing.store(false, Ordering::SeqCst);
    }

    /// Stores referrals fetched from the server, keeping unsent edits applied on top, and
    /// moves the sync mark. Returns the rows to show.
    pub(super) async fn store_fetched(
        &self,
        referrals: Vec<Referral>,
    ) -> Result<Vec<ReferralRow>, StoreError> {
        let source = self.source.clone();
        self.db(move |s| s.apply(&source, &[StoreOp::Fetched(referrals)]))
            .await
    }
}
