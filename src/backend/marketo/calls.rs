//! Batched `createOrUpdate` and queries, 300 records or keys a call.

use futures::{StreamExt, TryStreamExt};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::domain::marketo::{MAX_BATCH, MarketoObject, RecordResult, SyncRequest, normalize_key};

use super::transport::Request;
use super::{MarketoClient, MarketoError, Result};

impl MarketoClient {
    /// `createOrUpdate` of `records`, 300 per call, in order; one result per record with `seq`
    /// counted over all of them.
    pub async fn sync<T: Serialize>(
        &self,
        object: MarketoObject,
        records: &[T],
    ) -> Result<Vec<RecordResult>> {
        let path = object.sync_path();
        let mut out = Vec::with_capacity(records.len());
        for (n, chunk) in records.chunks(MAX_BATCH).enumerate() {
            let body = serde_json::to_vec(&SyncRequest::upsert(object, chunk)).map_err(|e| {
                MarketoError::Malformed {
                    path: path.into(),
                    detail: format!("cannot encode the records: {e}"),
                }
            })?;
            let env = self
                .call(path, Request::Json { body: &body }, false)
                .await?;
            let results: Vec<RecordResult> = parse_all(path, env.result)?;
            if results.len() != chunk.len() {
                return Err(MarketoError::Malformed {
                    path: path.into(),
                    detail: format!(
                        "{} records sent, {} results back",
                        chunk.len(),
                        results.len()
                    ),
                });
            }
            out.extend(results.into_iter().enumerate().map(|(i, mut r)| {
                r.seq = Some(n * MAX_BATCH + r.seq.unwrap_or(i));
                r
            }));
        }
        Ok(out)
    }

    /// Every `object` whose `filter_type` is one of `values`, asking for `fields`; values go
    /// 300 per call (several calls at once), pages are followed.
    pub async fn query<T: DeserializeOwned>(
        &self,
        object: MarketoObject,
        filter_type: &str,
        values: &[String],
        fields: &[&str],
    ) -> Result<Vec<T>> {
        let mut seen = std::collections::HashSet::new();
        let unique: Vec<&str> = values
            .iter()
            .map(|v| v.trim())
            .filter(|v| {
                let comma = v.contains(',');
                if comma {
                    tracing::warn!(%object, value = %v, "a key with a comma cannot be queried");
                }
                !v.is_empty() && !comma
            })
            .filter(|v| seen.insert(normalize_key(v)))
            .collect();
        // The batch futures are made up front (they do nothing until polled): a closure
        // inside the stream would make this future not `Send` (rustc cannot prove the
        // closure's higher-ranked bounds), and the backend runs checks in spawned tasks.
        let batches: Vec<_> = unique
            .chunks(MAX_BATCH)
            .map(|chunk| self.query_batch::<T>(object, filter_type, chunk, fields))
            .collect();
        let pages: Vec<Vec<T>> = futures::stream::iter(batches)
            .buffer_unordered(self.inner.cfg.max_in_flight.max(1))
            .try_collect()
            .await?;
        Ok(pages.into_iter().flatten().collect())
    }

    async fn query_batch<T: DeserializeOwned>(
        &self,
        object: MarketoObject,
        filter_type: &str,
        values: &[&str],
        fields: &[&str],
    ) -> Result<Vec<T>> {
        let path = object.query_path();
        let joined_values = values.join(",");
        let joined_fields = fields.join(",");
        let mut out = Vec::new();
        let mut next: Option<String> = None;
        loop {
            // Built in a block: the serializer is not `Send` and must not live across the
            // await, or no caller could run a check in a spawned task.
            let query = {
                let mut q = url::form_urlencoded::Serializer::new(String::new());
                q.append_pair("filterType", filter_type)
                    .append_pair("filterValues", &joined_values)
                    .append_pair("batchSize", &MAX_BATCH.to_string());
                if !fields.is_empty() {
                    q.append_pair("fields", &joined_fields);
                }
                if let Some(t) = &next {
                    q.append_pair("nextPageToken", t);
                }
                q.finish()
            };
            let env = self.call(path, Request::Get { query }, true).await?;
            out.extend(parse_all::<T>(path, env.result)?);
            match env.next_page_token.filter(|t| !t.is_empty()) {
                Some(t) if env.more_result != Some(false) => {
                    if next.as_deref() == Some(t.as_str()) {
                        return Err(MarketoError::Malformed {
                            path: path.into(),
                            detail: "the same nextPageToken came back twice".into(),
                        });
                    }
                    next = Some(t);
                }
                _ => return Ok(out),
            }
        }
    }
}

/// Reads every element of a `result` array as `T`; the error names the element.
fn parse_all<T: DeserializeOwned>(path: &str, items: Vec<Value>) -> Result<Vec<T>> {
    items
        .into_iter()
        .enumerate()
        .map(|(i, v)| {
            serde_json::from_value(v).map_err(|e| MarketoError::Malformed {
                path: path.into(),
                detail: format!("result[{i}]: {e}"),
            })
        })
        .collect()
}
