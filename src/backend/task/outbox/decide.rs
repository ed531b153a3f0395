//! The outbox worker's decisions, as pure functions of plain data: which entry to send next,
//! and what each outcome of a send does to the store and tells the UI. No I/O here; the worker
//! sends, then applies a [`Resolution`]'s operations in one store transaction.

use std::collections::HashSet;

use crate::backend::partner_center::ListQuery;
use crate::domain::Referral;
use crate::domain::outbox::{OutboxAction, OutboxEntry, OutboxState, StoreOp};
use crate::domain::patch::{self, PatchOp};
use crate::protocol::{Event, Level};

/// Why an entry was marked as a conflict when the mine/theirs view cannot be shown.
pub const CHANGED: &str = "changed on the server meanwhile";

/// Why a linked create can never be sent.
pub const ORPHANED: &str = "the shared referral it belongs to was discarded before it was created; \
                            discard this one too";

/// One entry to act on, as [`SendQueue::next`] gives it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Step<'a> {
    /// `PATCH` the referral with these operations and `If-Match: etag`.
    Patch {
        entry: &'a OutboxEntry,
        referral_id: &'a str,
        ops: &'a [PatchOp],
        etag: Option<&'a str>,
    },
    /// `POST` the referral. With `look_first`, an earlier attempt may have reached the server:
    /// look for the referral it made before sending again, so a lost answer never makes a
    /// duplicate.
    Create {
        entry: &'a OutboxEntry,
        referral: &'a Referral,
        look_first: bool,
    },
    /// A linked create whose Shared twin left the outbox without being created: it can never
    /// be sent ([`orphaned`] says what that does).
    Orphaned { entry: &'a OutboxEntry },
}

impl<'a> Step<'a> {
    /// The entry this step is about.
    pub fn entry(&self) -> &'a OutboxEntry {
        match self {
            Step::Patch { entry, .. } | Step::Create { entry, .. } | Step::Orphaned { entry } => {
                entry
            }
        }
    }
}

/// One read of the outbox, walked in sending order: oldest first; a referral's entries wait
/// behind one of its entries that is failed, conflicting or held this pass (so a referral's
/// edits reach the server in the order they were made); a linked create waits while its Shared
/// twin is still queued.
#[derive(Debug)]
pub struct SendQueue<'a> {
    entries: &'a [OutboxEntry],
    queued: HashSet<i64>,
    held: HashSet<&'a str>,
    next: usize,
}

impl<'a> SendQueue<'a> {
    /// The queue of `entries` (as the store lists them, oldest first).
    pub fn new(entries: &'a [OutboxEntry]) -> SendQueue<'a> {
        SendQueue {
            entries,
            queued: entries.iter().map(|e| e.seq).collect(),
            held: HashSet::new(),
            next: 0,
        }
    }

    /// The next entry to act on, if any is left this pass.
    pub fn next(&mut self) -> Option<Step<'a>> {
        while let Some(entry) = self.entries.get(self.next) {
            self.next += 1;
            let key = entry.referral_id();
            if entry.state != OutboxState::Pending {
                self.held.extend(key);
                continue;
            }
            if key.is_some_and(|k| self.held.contains(k)) {
                continue;
            }
            match &entry.action {
                OutboxAction::Patch {
                    referral_id,
                    ops,
                    etag,
                } => {
                    return Some(Step::Patch {
                        entry,
                        referral_id,
                        ops,
                        etag: etag.as_deref(),
                    });
                }
                OutboxAction::Create { referral } => return Some(create(entry, referral)),
                OutboxAction::CreateLinked { referral, after } => {
                    if referral
                        .engagement_id
                        .as_deref()
                        .is_some_and(|e| !e.is_empty())
                    {
                        return Some(create(entry, referral));
                    }
                    if !self.queued.contains(after) {
                        return Some(Step::Orphaned { entry });
                    }
                    // Still waiting for its Shared twin to be created.
                }
            }
        }
        None
    }

    /// The entry of the last step needs the user: later entries of its referral wait.
    pub fn hold(&mut self, entry: &'a OutboxEntry) {
        self.held.extend(entry.referral_id());
    }
}

/// How many of the newest referrals are searched for what an earlier, unanswered create made.
pub const LOOKUP_TOP: u32 = 100;

/// The list query that finds what an earlier, unanswered create may have made: the newest
/// [`LOOKUP_TOP`] referrals by `createdDateTime desc`, the one documented `$orderby`. Name and
/// creation time are not documented `$filter` fields (learn.microsoft.com, partner-center/
/// developer/get-a-list-of-referrals), so [`made_by_create`] checks them locally.
pub fn lookup_query() -> ListQuery {
    ListQuery {
        orderby: Some("createdDateTime desc".into()),
        top: Some(LOOKUP_TOP),
        ..ListQuery::default()
    }
}

/// True when `found` has the name of `referral` and was created since shortly before the edit
/// was queued, and is what its create would have made ([`same_create`]).
pub fn made_by_create(referral: &Referral, entry: &OutboxEntry, found: &Referral) -> bool {
    let since = entry.created_at - chrono::Duration::minutes(5);
    found.name() == referral.name()
        && found.created_date_time.is_some_and(|c| c >= since)
        && same_create(referral, found)
}

/// True when `found` is the referral a create of `wanted` would have made: the same
/// engagement (when the create names one), targets and type.
pub fn same_create(wanted: &Referral, found: &Referral) -> bool {
    let target = |r: &Referral| {
        r.target
            .as_deref()
            .unwrap_or(&[])
            .iter()
            .map(|t| {
                (
                    t.target_type.clone(),
                    t.id.as_deref().map(str::to_ascii_lowercase),
                )
            })
            .collect::<Vec<_>>()
    };
    (wanted.engagement_id.is_none() || found.engagement_id == wanted.engagement_id)
        && target(found) == target(wanted)
        && found.referral_type == wanted.referral_type
}

fn create<'a>(entry: &'a OutboxEntry, referral: &'a Referral) -> Step<'a> {
    Step::Create {
        entry,
        referral,
        look_first: entry.attempts > 0,
    }
}

/// How a send ended, as far as the outbox is concerned.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The server took it (2xx) and answered with the referral's new state.
    Taken(Referral),
    /// A create whose earlier answer was lost had been made after all: this is the referral.
    Found(Referral),
    /// `412`: the referral changed on the server meanwhile; `theirs` is the server's copy when
    /// it could be read.
    Conflict { theirs: Option<Referral> },
    /// The network, throttling, a server error, or an answer lost on the way: try again later.
    Transient(String),
    /// Any other refusal (a rule, a bad value): it waits for the user.
    Refused(String),
}

/// What the worker does after an outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// The entry left the outbox: read it again (later entries may have changed).
    Done,
    /// The entry needs the user: its referral's later entries wait; go on with the others.
    Hold,
    /// Stop this pass and retry later, with backoff.
    RetryLater,
}

/// What an outcome does: store operations (one transaction), then the events, in order. The
/// rows of referrals the operations store go to the UI (as `RowsChanged`) before the events.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolution {
    pub ops: Vec<StoreOp>,
    pub events: Vec<Event>,
    /// The cache showed the refused edit: put the server's copy of this referral back (the
    /// entry's base when the server cannot be reached).
    pub restore: Option<String>,
    pub flow: Flow,
}

/// What `outcome` of sending `entry` does.
pub fn resolve(entry: &OutboxEntry, outcome: Outcome) -> Resolution {
    let seq = entry.seq;
    match (&entry.action, outcome) {
        (
            OutboxAction::Patch {
                referral_id, etag, ..
            },
            Outcome::Taken(updated) | Outcome::Found(updated),
        ) => patched(seq, referral_id, etag, updated),
        (
            OutboxAction::Patch {
                referral_id,
                ops,
                etag,
            },
            Outcome::Conflict { theirs },
        ) => conflict(entry, referral_id, ops, etag, theirs),
        (_, Outcome::Taken(created) | Outcome::Found(created)) => made(seq, created),
        (_, Outcome::Conflict { .. }) => refused(
            entry,
            "the referral was changed by someone else since it was read".into(),
        ),
        (_, Outcome::Transient(message)) => Resolution {
            ops: vec![mark(seq, OutboxState::Pending, message)],
            events: Vec::new(),
            restore: None,
            flow: Flow::RetryLater,
        },
        (_, Outcome::Refused(message)) => refused(entry, message),
    }
}

/// What a [`Step::Orphaned`] entry does: it is marked failed for the user to discard.
pub fn orphaned(entry: &OutboxEntry) -> Resolution {
    Resolution {
        ops: vec![mark(entry.seq, OutboxState::Failed, ORPHANED.into())],
        events: vec![Event::SaveFailed {
            seq: entry.seq,
            id: None,
            message: ORPHANED.into(),
        }],
        restore: None,
        flow: Flow::Hold,
    }
}

/// The server took a patch: drop it, move later edits of the same referral onto the new eTag
/// (they were made on top of this one), and show the new state.
fn patched(seq: i64, referral_id: &str, old: &Option<String>, updated: Referral) -> Resolution {
    Resolution {
        ops: vec![
            StoreOp::Delete(seq),
            StoreOp::Rechain {
                referral_id: referral_id.to_string(),
                from: old.clone(),
                to: updated.etag.clone(),
            },
            StoreOp::Fetched(vec![updated.clone()]),
        ],
        events: vec![Event::Saved {
            seq,
            referral: Box::new(updated),
        }],
        restore: None,
        flow: Flow::Done,
    }
}

/// A create was made: drop it, give a Microsoft twin waiting for it its engagement id, and
/// show the new referral.
fn made(seq: i64, created: Referral) -> Resolution {
    Resolution {
        ops: vec![
            StoreOp::Delete(seq),
            StoreOp::Link {
                after: seq,
                engagement_id: created.engagement_id.clone(),
            },
            StoreOp::Fetched(vec![created.clone()]),
        ],
        events: vec![
            Event::Notice {
                level: Level::Success,
                text: format!("created “{}” ({})", created.name(), created.id()),
            },
            Event::Saved {
                seq,
                referral: Box::new(created),
            },
        ],
        restore: None,
        flow: Flow::Done,
    }
}

/// A 412 on a patch. When the server's copy already holds the edit, an earlier attempt arrived
/// and its answer was lost: that counts as taken. Otherwise the entry is a conflict, shown as
/// mine/theirs when both sides are known.
fn conflict(
    entry: &OutboxEntry,
    referral_id: &str,
    ops: &[PatchOp],
    etag: &Option<String>,
    theirs: Option<Referral>,
) -> Resolution {
    let seq = entry.seq;
    let held = |events| Resolution {
        ops: vec![mark(seq, OutboxState::Conflict, CHANGED.into())],
        events,
        restore: None,
        flow: Flow::Hold,
    };
    let (Some(theirs), Some(base)) = (theirs, entry.base.as_deref()) else {
        return held(Vec::new());
    };
    let mut doc = base.to_value();
    let mine = match patch::apply(&mut doc, ops) {
        Ok(()) => serde_json::from_value(doc).unwrap_or_else(|_| base.clone()),
        Err(_) => base.clone(),
    };
    if patch::already_applied(base, &mine, &theirs) {
        return patched(seq, referral_id, etag, theirs);
    }
    held(vec![Event::Conflict {
        seq,
        base: Box::new(base.clone()),
        mine: Box::new(mine),
        theirs: Box::new(theirs),
    }])
}

/// The server refused the entry: it waits as failed, and a refused patch's referral gets the
/// server's copy back in the cache.
fn refused(entry: &OutboxEntry, message: String) -> Resolution {
    let restore = match &entry.action {
        OutboxAction::Patch { referral_id, .. } => Some(referral_id.clone()),
        _ => None,
    };
    Resolution {
        ops: vec![mark(entry.seq, OutboxState::Failed, message.clone())],
        events: vec![Event::SaveFailed {
            seq: entry.seq,
            id: restore.clone(),
            message,
        }],
        restore,
        flow: Flow::Hold,
    }
}

fn mark(seq: i64, state: OutboxState, error: String) -> StoreOp {
    StoreOp::Mark {
        seq,
        state,
        error: Some(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// A referral named "New deal" whose notes are `text` (what the test edits change).
    fn referral(id: Option<&str>, text: &str, etag: &str) -> Referral {
        let mut v = json!({"name": "New deal", "details": {"notes": text}, "status": "New", "substatus": "Pending",
                           "engagementId": "e1", "eTag": etag});
        if let Some(id) = id {
            v["id"] = json!(id);
        }
        serde_json::from_value(v).unwrap()
    }

    fn entry(seq: i64, action: OutboxAction) -> OutboxEntry {
        OutboxEntry {
            seq,
            action,
            base: None,
            summary: format!("entry {seq}"),
            created_at: chrono::DateTime::UNIX_EPOCH,
            attempts: 0,
            last_error: None,
            state: OutboxState::Pending,
        }
    }

    fn patch(seq: i64, id: &str, etag: &str) -> OutboxEntry {
        entry(
            seq,
            OutboxAction::Patch {
                referral_id: id.into(),
                ops: vec![PatchOp::replace(
                    "/details/notes",
                    json!(format!("edit {seq}")),
                )],
                etag: Some(etag.into()),
            },
        )
    }

    fn create(seq: i64) -> OutboxEntry {
        entry(
            seq,
            OutboxAction::Create {
                referral: Box::new(referral(None, "New deal", "")),
            },
        )
    }

    fn linked(seq: i64, after: i64, engagement: Option<&str>) -> OutboxEntry {
        let mut twin = referral(None, "New deal", "");
        twin.engagement_id = engagement.map(str::to_string);
        entry(
            seq,
            OutboxAction::CreateLinked {
                referral: Box::new(twin),
                after,
            },
        )
    }

    fn with(mut e: OutboxEntry, state: OutboxState, attempts: u32) -> OutboxEntry {
        e.state = state;
        e.attempts = attempts;
        e
    }

    /// A short name per step: `p3` a patch of entry 3, `c3` a create, `C3` a create to look
    /// up first, `o3` an orphaned linked create.
    fn step_name(step: &Step<'_>) -> String {
        let seq = step.entry().seq;
        match step {
            Step::Patch { .. } => format!("p{seq}"),
            Step::Create {
                look_first: false, ..
            } => format!("c{seq}"),
            Step::Create {
                look_first: true, ..
            } => format!("C{seq}"),
            Step::Orphaned { .. } => format!("o{seq}"),
        }
    }

    /// Walks the queue, holding the entries listed in `hold` when they come up.
    fn order(entries: &[OutboxEntry], hold: &[i64]) -> Vec<String> {
        let mut q = SendQueue::new(entries);
        let mut out = Vec::new();
        while let Some(step) = q.next() {
            out.push(step_name(&step));
            if hold.contains(&step.entry().seq) {
                q.hold(step.entry());
            }
        }
        out
    }

    #[test]
    fn the_queue_sends_in_order_and_waits_behind_blocked_entries() {
        use OutboxState::*;
        type Case = (&'static str, Vec<OutboxEntry>, Vec<i64>, Vec<&'static str>);
        let cases: Vec<Case> = vec![
            (
                "oldest first",
                vec![patch(1, "a", "e"), patch(2, "b", "e"), create(3)],
                vec![],
                vec!["p1", "p2", "c3"],
            ),
            (
                "a failed entry holds its referral",
                vec![
                    with(patch(1, "a", "e"), Failed, 1),
                    patch(2, "a", "e"),
                    patch(3, "b", "e"),
                ],
                vec![],
                vec!["p3"],
            ),
            (
                "a conflict holds its referral",
                vec![with(patch(1, "a", "e"), Conflict, 1), patch(2, "a", "e")],
                vec![],
                vec![],
            ),
            (
                "an entry held this pass holds its referral",
                vec![patch(1, "a", "e"), patch(2, "a", "e"), patch(3, "b", "e")],
                vec![1],
                vec!["p1", "p3"],
            ),
            (
                "a held create holds nothing (no id yet)",
                vec![create(1), create(2)],
                vec![1],
                vec!["c1", "c2"],
            ),
            (
                "a failed create holds nothing",
                vec![with(create(1), Failed, 1), create(2)],
                vec![],
                vec!["c2"],
            ),
            (
                "a create tried before is looked up first",
                vec![with(create(1), Pending, 1), with(create(2), Pending, 0)],
                vec![],
                vec!["C1", "c2"],
            ),
            (
                "a linked create waits for its queued twin",
                vec![create(1), linked(2, 1, None)],
                vec![],
                vec!["c1"],
            ),
            (
                "a linked create waits for its failed twin",
                vec![with(create(1), Failed, 1), linked(2, 1, Some(""))],
                vec![],
                vec![],
            ),
            (
                "a linked create with its engagement is sent",
                vec![linked(2, 1, Some("e9"))],
                vec![],
                vec!["c2"],
            ),
            (
                "a linked create tried before is looked up first",
                vec![with(linked(2, 1, Some("e9")), Pending, 2)],
                vec![],
                vec!["C2"],
            ),
            (
                "a linked create without its twin is orphaned",
                vec![linked(2, 1, None), patch(3, "a", "e")],
                vec![],
                vec!["o2", "p3"],
            ),
            (
                "attempts do not delay a patch",
                vec![with(patch(1, "a", "e"), Pending, 5)],
                vec![],
                vec!["p1"],
            ),
        ];
        for (name, entries, hold, want) in cases {
            assert_eq!(order(&entries, &hold), want, "{name}");
        }
    }

    #[test]
    fn a_patch_step_carries_its_request() {
        let entries = [patch(1, "a", "\"e1\"")];
        let step = SendQueue::new(&entries).next().unwrap();
        let Step::Patch {
            referral_id,
            etag,
            ops,
            ..
        } = step
        else {
            panic!("{step:?}")
        };
        assert_eq!((referral_id, etag, ops.len()), ("a", Some("\"e1\""), 1));
    }

    fn saved(seq: i64, r: &Referral) -> Event {
        Event::Saved {
            seq,
            referral: Box::new(r.clone()),
        }
    }

    fn failed(seq: i64, id: Option<&str>, message: &str) -> Event {
        Event::SaveFailed {
            seq,
            id: id.map(str::to_string),
            message: message.into(),
        }
    }

    fn marked(seq: i64, state: OutboxState, error: &str) -> StoreOp {
        mark(seq, state, error.into())
    }

    #[test]
    fn each_outcome_has_its_operations_and_events() {
        use OutboxState::*;
        let server = referral(Some("a"), "Deal", "\"e2\"");
        let created = referral(Some("n1"), "New deal", "\"e1\"");
        let done = |ops, events| Resolution {
            ops,
            events,
            restore: None,
            flow: Flow::Done,
        };
        let patched_ops = |seq| {
            vec![
                StoreOp::Delete(seq),
                StoreOp::Rechain {
                    referral_id: "a".into(),
                    from: Some("\"e1\"".into()),
                    to: Some("\"e2\"".into()),
                },
                StoreOp::Fetched(vec![server.clone()]),
            ]
        };
        let created_ops = |seq| {
            vec![
                StoreOp::Delete(seq),
                StoreOp::Link {
                    after: seq,
                    engagement_id: Some("e1".into()),
                },
                StoreOp::Fetched(vec![created.clone()]),
            ]
        };
        let created_events = |seq| {
            vec![
                Event::Notice {
                    level: Level::Success,
                    text: "created “New deal” (n1)".into(),
                },
                saved(seq, &created),
            ]
        };
        let refused_patch = Resolution {
            ops: vec![marked(1, Failed, "bad value")],
            events: vec![failed(1, Some("a"), "bad value")],
            restore: Some("a".into()),
            flow: Flow::Hold,
        };
        let cases: Vec<(&str, OutboxEntry, Outcome, Resolution)> = vec![
            (
                "patch taken: drop, rechain, store",
                patch(1, "a", "\"e1\""),
                Outcome::Taken(server.clone()),
                done(patched_ops(1), vec![saved(1, &server)]),
            ),
            (
                "patch found applied",
                patch(1, "a", "\"e1\""),
                Outcome::Found(server.clone()),
                done(patched_ops(1), vec![saved(1, &server)]),
            ),
            (
                "create taken: drop, link twin, store",
                create(4),
                Outcome::Taken(created.clone()),
                done(created_ops(4), created_events(4)),
            ),
            (
                "lost create found: same as taken",
                with(create(4), Pending, 1),
                Outcome::Found(created.clone()),
                done(created_ops(4), created_events(4)),
            ),
            (
                "linked create taken",
                linked(5, 4, Some("e1")),
                Outcome::Taken(created.clone()),
                done(created_ops(5), created_events(5)),
            ),
            (
                "patch transient: pending, retry later",
                patch(1, "a", "\"e1\""),
                Outcome::Transient("network: down".into()),
                Resolution {
                    ops: vec![marked(1, Pending, "network: down")],
                    events: vec![],
                    restore: None,
                    flow: Flow::RetryLater,
                },
            ),
            (
                "create uncertain: pending, retry later",
                create(4),
                Outcome::Transient("no answer came".into()),
                Resolution {
                    ops: vec![marked(4, Pending, "no answer came")],
                    events: vec![],
                    restore: None,
                    flow: Flow::RetryLater,
                },
            ),
            (
                "patch refused: failed, restore the server copy",
                patch(1, "a", "\"e1\""),
                Outcome::Refused("bad value".into()),
                refused_patch,
            ),
            (
                "create refused: failed, nothing to restore",
                create(4),
                Outcome::Refused("bad value".into()),
                Resolution {
                    ops: vec![marked(4, Failed, "bad value")],
                    events: vec![failed(4, None, "bad value")],
                    restore: None,
                    flow: Flow::Hold,
                },
            ),
            (
                "create 412: refused",
                create(4),
                Outcome::Conflict { theirs: None },
                Resolution {
                    ops: vec![marked(
                        4,
                        Failed,
                        "the referral was changed by someone else since it was read",
                    )],
                    events: vec![failed(
                        4,
                        None,
                        "the referral was changed by someone else since it was read",
                    )],
                    restore: None,
                    flow: Flow::Hold,
                },
            ),
            (
                "patch 412 without the server copy",
                patch(1, "a", "\"e1\""),
                Outcome::Conflict { theirs: None },
                Resolution {
                    ops: vec![marked(1, Conflict, CHANGED)],
                    events: vec![],
                    restore: None,
                    flow: Flow::Hold,
                },
            ),
            (
                "patch 412 without a base",
                patch(1, "a", "\"e1\""),
                Outcome::Conflict {
                    theirs: Some(server.clone()),
                },
                Resolution {
                    ops: vec![marked(1, Conflict, CHANGED)],
                    events: vec![],
                    restore: None,
                    flow: Flow::Hold,
                },
            ),
        ];
        for (name, entry, outcome, want) in cases {
            assert_eq!(resolve(&entry, outcome), want, "{name}");
        }
    }

    #[test]
    fn a_conflict_shows_mine_and_theirs_unless_the_edit_arrived() {
        let base = referral(Some("a"), "Deal", "\"e1\"");
        let mut e = patch(1, "a", "\"e1\"");
        e.base = Some(Box::new(base.clone()));
        let mine = referral(Some("a"), "edit 1", "\"e1\"");

        let theirs = referral(Some("a"), "Deal", "\"e2\"");
        let got = resolve(
            &e,
            Outcome::Conflict {
                theirs: Some(theirs.clone()),
            },
        );
        let want = Resolution {
            ops: vec![marked(1, OutboxState::Conflict, CHANGED)],
            events: vec![Event::Conflict {
                seq: 1,
                base: Box::new(base.clone()),
                mine: Box::new(mine),
                theirs: Box::new(theirs),
            }],
            restore: None,
            flow: Flow::Hold,
        };
        assert_eq!(got, want);

        // The server already has the edit: an earlier attempt arrived.
        let arrived = referral(Some("a"), "edit 1", "\"e2\"");
        let got = resolve(
            &e,
            Outcome::Conflict {
                theirs: Some(arrived.clone()),
            },
        );
        assert_eq!(got.flow, Flow::Done);
        assert_eq!(got.events, vec![saved(1, &arrived)]);
        assert_eq!(got.ops[0], StoreOp::Delete(1));
    }

    #[test]
    fn an_orphaned_linked_create_fails_for_the_user() {
        let got = orphaned(&linked(2, 1, None));
        assert_eq!(
            got,
            Resolution {
                ops: vec![marked(2, OutboxState::Failed, ORPHANED)],
                events: vec![failed(2, None, ORPHANED)],
                restore: None,
                flow: Flow::Hold,
            }
        );
    }

    #[test]
    fn a_lost_create_is_looked_up_with_documented_options_only() {
        let q = lookup_query();
        assert_eq!(
            q.filter, None,
            "name and createdDateTime are not documented filters"
        );
        assert_eq!(q.orderby.as_deref(), Some("createdDateTime desc"));
        assert_eq!(q.top, Some(LOOKUP_TOP));
        let e = create(1);
        let wanted = referral(None, "New deal", "");
        let mut found = referral(Some("r9"), "New deal", "\"x\"");
        found.created_date_time = Some(e.created_at);
        assert!(made_by_create(&wanted, &e, &found));
        found.created_date_time = Some(e.created_at - chrono::Duration::minutes(6));
        assert!(!made_by_create(&wanted, &e, &found), "made before the edit");
        found.created_date_time = Some(e.created_at);
        found.name = Some("Other deal".into());
        assert!(!made_by_create(&wanted, &e, &found), "another name");
    }
}
