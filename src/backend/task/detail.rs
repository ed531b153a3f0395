//! The detail pane's referral: from the cache at once, then from the server.

use super::Ctx;
use crate::protocol::{Event, Level};

impl Ctx {
    /// Shows a referral from the cache, then (with `fresh`) from the server.
    pub(super) async fn open_detail(self, id: String, fresh: bool) {
        let key = id.clone();
        let had_cache = match self.db(move |s| s.detail(&key)).await {
            Ok(Some((r, related))) => {
                self.send(Event::Detail {
                    referral: Box::new(r),
                    related,
                    fresh: false,
                });
                // Opened: no longer new (see `Store::mark_seen`).
                let key = id.clone();
                if let Err(e) = self.db(move |s| s.mark_seen(&key)).await {
                    tracing::warn!("cannot record the referral as seen: {e}");
                }
                true
            }
            Ok(None) => false,
            Err(e) => {
                self.notice(Level::Error, e.to_string());
                false
            }
        };
        if !fresh {
            return;
        }
        let Some(pc) = self.pc.clone() else {
            if !had_cache {
                self.send(Event::DetailFailed {
                    id,
                    message: "not in the cache, and no server is configured".into(),
                });
            }
            return;
        };
        let result = pc.get(&id).await;
        self.observe(&result);
        match result {
            Ok(r) => match self.store_fetched(vec![r]).await {
                Ok(mut rows) => {
                    // The seller sees this version now.
                    let key = id.clone();
                    if self.db(move |s| s.mark_seen(&key)).await.is_ok() {
                        rows.iter_mut()
                            .filter(|row| row.id == id)
                            .for_each(|row| row.unseen = false);
                    }
                    self.send(Event::RowsChanged { rows });
                    let key = id.clone();
                    if let Ok(Some((r, related))) = self.db(move |s| s.detail(&key)).await {
                        self.send(Event::Detail {
                            referral: Box::new(r),
                            related,
                            fresh: true,
                        });
                    }
                }
                Err(e) => self.notice(Level::Error, e.to_string()),
            },
            Err(e) if had_cache => {
                self.notice(Level::Warning, format!("showing the cached copy: {e}"))
            }
            Err(e) => self.send(Event::DetailFailed {
                id,
                message: e.to_string(),
            }),
        }
    }

    /// Sets the local favorite mark, then sends the changed row and the detail (the mark never
    /// goes to the server).
    pub(super) async fn set_favorite(self, id: String, favorite: bool) {
        let key = id.clone();
        let result = self
            .db(move |s| {
                let row = s.set_favorite(&key, favorite)?;
                Ok((row, s.detail(&key)?))
            })
            .await;
        match result {
            Ok((row, detail)) => {
                if let Some(row) = row {
                    self.send(Event::RowsChanged { rows: vec![row] });
                }
                if let Some((r, related)) = detail {
                    self.send(Event::Detail {
                        referral: Box::new(r),
                        related,
                        fresh: false,
                    });
                }
            }
            Err(e) => self.notice(Level::Error, format!("could not mark {id}: {e}")),
        }
    }
}
