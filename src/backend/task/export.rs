//! Export: cached referrals to a CSV or JSON file.

use std::path::PathBuf;

use super::Ctx;
use crate::backend::store::StoreError;
use crate::protocol::{Event, ExportFormat, Level};

impl Ctx {
    /// Writes cached referrals to a file.
    pub(super) async fn export(self, format: ExportFormat, path: PathBuf, ids: Vec<String>) {
        let p = path.clone();
        let result = self
            .db(move |s| {
                let referrals = s.get_many(&ids)?;
                crate::backend::export::write(&p, format, &referrals).map_err(|e| {
                    StoreError::Io {
                        path: p.clone(),
                        message: e,
                    }
                })?;
                Ok(referrals.len())
            })
            .await;
        match result {
            Ok(count) => self.send(Event::Exported { path, count }),
            Err(e) => self.notice(Level::Error, format!("export failed: {e}")),
        }
    }
}
