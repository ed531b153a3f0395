//! Paging state of `GET /referrals`: the snapshots later pages read from, and the sealed
//! `$skiptoken` that names a snapshot, the query and the offset (see [`super::query`]).

use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::error::ApiError;

const MAX_SNAPSHOTS: usize = 32;
const SNAPSHOT_IDLE: Duration = Duration::from_secs(30 * 60);

/// The query a page answers (what a `$skiptoken` carries).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(super) struct Query {
    #[serde(rename = "f", default, skip_serializing_if = "Option::is_none")]
    pub(super) filter: Option<String>,
    #[serde(rename = "o", default, skip_serializing_if = "Option::is_none")]
    pub(super) orderby: Option<String>,
    #[serde(rename = "s", default, skip_serializing_if = "Option::is_none")]
    pub(super) select: Option<Vec<String>>,
    /// Where the list stops: `$skip` plus `$top` (the total to retrieve); `None` for all.
    #[serde(rename = "e", default, skip_serializing_if = "Option::is_none")]
    pub(super) stop: Option<usize>,
    #[serde(rename = "c", default)]
    pub(super) count: bool,
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct Token {
    /// Snapshot id.
    #[serde(rename = "n")]
    pub(super) snapshot: u64,
    #[serde(rename = "p")]
    pub(super) offset: usize,
    #[serde(rename = "q")]
    pub(super) query: Query,
}

#[derive(Debug)]
struct Snapshot {
    ids: Arc<Vec<u32>>,
    last_used: Instant,
}

/// Paging snapshots and the key that seals skiptokens.
#[derive(Debug)]
pub struct Pages {
    key: u64,
    next_id: u64,
    snapshots: HashMap<u64, Snapshot>,
    order: VecDeque<u64>,
}

impl Pages {
    pub fn new() -> Pages {
        Pages {
            key: rand::random(),
            next_id: 1,
            snapshots: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    fn seal(&self, payload: &str) -> u64 {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.key.hash(&mut h);
        payload.hash(&mut h);
        h.finish()
    }

    pub(super) fn encode(&self, token: &Token) -> String {
        let payload = serde_json::to_string(token).unwrap_or_default();
        format!("{}.{:016x}", hex(payload.as_bytes()), self.seal(&payload))
    }

    pub(super) fn decode(&self, text: &str) -> Result<Token, ApiError> {
        let bad = || {
            ApiError::invalid(
                "$skiptoken",
                "the $skiptoken is not one this service issued (it was changed or is from an earlier run); follow @odata.nextLink exactly as returned, or start the list again",
            )
        };
        let (data, mac) = text.split_once('.').ok_or_else(bad)?;
        let bytes = unhex(data).ok_or_else(bad)?;
        let payload = String::from_utf8(bytes).map_err(|_| bad())?;
        let mac = u64::from_str_radix(mac, 16).map_err(|_| bad())?;
        if mac != self.seal(&payload) {
            return Err(bad());
        }
        serde_json::from_str(&payload).map_err(|_| bad())
    }

    /// True when snapshot `id` is still kept (without marking it used).
    pub(super) fn has(&self, id: u64) -> bool {
        self.snapshots
            .get(&id)
            .is_some_and(|s| s.last_used.elapsed() <= SNAPSHOT_IDLE)
    }

    pub(super) fn get(&mut self, id: u64) -> Option<Arc<Vec<u32>>> {
        let snap = self.snapshots.get_mut(&id)?;
        if snap.last_used.elapsed() > SNAPSHOT_IDLE {
            self.snapshots.remove(&id);
            return None;
        }
        snap.last_used = Instant::now();
        Some(snap.ids.clone())
    }

    pub(super) fn put(&mut self, ids: Arc<Vec<u32>>) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        while self.order.len() >= MAX_SNAPSHOTS {
            if let Some(old) = self.order.pop_front() {
                self.snapshots.remove(&old);
            }
        }
        self.order.push_back(id);
        self.snapshots.insert(
            id,
            Snapshot {
                ids,
                last_used: Instant::now(),
            },
        );
        id
    }
}

#[cfg(test)]
impl Pages {
    /// Drops every snapshot (as if each had idled out).
    pub(super) fn forget_all(&mut self) {
        self.snapshots.clear();
    }
}

impl Default for Pages {
    fn default() -> Self {
        Self::new()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}
