//! The scripting subcommands (`refdeck referrals list|get|set|accept|decline`, `refdeck marketo check`): the
//! same clients and rules as the dashboard, answering on a writer instead of a screen.
//!
//! Choices (the issue and the specs are silent):
//! - Scripting talks to Partner Center directly and synchronously; it does not use the
//!   dashboard's outbox or local store. A `set` that fails is reported and not retried later.
//! - `list --filter` takes the dashboard's filter language. The exact tokens go to the server as
//!   `$filter`; every token (free words too) is then applied locally. `mkto:` is refused: the
//!   list has no Marketo state without a check (use `refdeck marketo check`).
//! - `list --view NAME` uses the dashboard's saved views (shipped, `[[views]]`, `views.toml`):
//!   the view's filter, narrowed by `--filter`, and the view's sort. An unknown name is a usage
//!   error listing the views.
//! - The text table shortens names and customers to [`TABLE_TEXT_WIDTH`] characters; `--json`
//!   and `--csv` carry everything.
//! - `set ID PATH VALUE`: VALUE is read as JSON when it parses as JSON (`42`, `true`,
//!   `"quoted"`, `{"email": …}`), otherwise as a plain string. The value is checked the way the
//!   service checks it (currency codes, amounts, dates, emails, required names) and normalised
//!   (`eur` → `EUR`, `2026-12-31` → `2026-12-31T00:00:00Z`) before anything is sent.
//! - A status change is one value, `STATUS/SUBSTATUS` (`set ID /status Closed/Won`). A bare
//!   status keeps the current substatus when it belongs to the new status, or takes the only
//!   substatus the new status has (Active → Accepted); otherwise the command asks for the pair.
//!   `set ID /substatus X` changes the substatus within the current status.
//! - `set` reads the referral first and sends the PATCH with its eTag (`If-Match`): a change
//!   made elsewhere in between is refused (exit 1), never overwritten.
//! - `accept ID...` / `decline ID... --reason R` move each referral like `set` does (read, rules,
//!   `If-Match`), one line per id; an id already there is skipped (not a failure); every id is
//!   tried and the exit code is 1 when any was refused. `--dry-run` reads and checks but sends
//!   nothing, printing the patch each id would get. The reason is one of the documented ones
//!   (`domain::bulk::decline_reason`), written in words as the dashboard writes it.
//! - Exit codes: 0 done, 1 the command failed (unknown id, broken rule, refused by the
//!   service), 2 the command line is wrong (bad filter, bad status value).

use std::fmt;
use std::io::Write;

use chrono::{DateTime, Utc};
use nucleo_matcher::{Config as MatcherConfig, Matcher};
use serde_json::Value;

use crate::backend::marketo::MarketoClient;
use crate::backend::partner_center::{ListQuery, PartnerCenterClient, PcError};
use crate::domain::bulk::BulkMove;
use crate::domain::filter::{self, Cond, ListField};
use crate::domain::marketo::{MarketoBadge, Step, SyncReport};
use crate::domain::patch::{PatchOp, pointer};
use crate::domain::referral::Referral;
use crate::domain::row::ReferralRow;
use crate::domain::search::{SortSpec, compare_rows};
use crate::domain::set;
pub use crate::domain::set::{normalise, parse_value};
use crate::domain::view::View;

/// Names and customers longer than this are shortened in the text table.
pub const TABLE_TEXT_WIDTH: usize = 40;

/// How `referrals list` writes its answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ListFormat {
    /// An aligned text table.
    #[default]
    Table,
    /// A JSON array of full referrals.
    Json,
    /// CSV with a header row (the dashboard's export columns).
    Csv,
}

impl ListFormat {
    /// The format the `--json` and `--csv` flags ask for.
    pub fn of(json: bool, csv: bool) -> ListFormat {
        match (json, csv) {
            (true, _) => ListFormat::Json,
            (_, true) => ListFormat::Csv,
            _ => ListFormat::Table,
        }
    }
}

/// Why a scripting command failed, with the exit code it maps to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptError {
    /// 1 for a failed command, 2 for a wrong command line.
    pub code: u8,
    pub message: String,
}

impl ScriptError {
    /// The command could not be done (exit 1).
    pub fn failed(message: impl Into<String>) -> Self {
        ScriptError {
            code: 1,
            message: message.into(),
        }
    }

    /// The command line is wrong (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        ScriptError {
            code: 2,
            message: message.into(),
        }
    }
}

impl fmt::Display for ScriptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for ScriptError {}

type Result<T = ()> = std::result::Result<T, ScriptError>;

/// Standard output for the commands: a reader that goes away early (`refdeck … | head -1`)
/// ends the output quietly — the rest is discarded and the command ends normally (exit 0, no
/// message), as command-line tools do.
pub struct Stdout {
    inner: std::io::StdoutLock<'static>,
    closed: bool,
}

/// The program's standard output, see [`Stdout`].
pub fn stdout() -> Stdout {
    Stdout {
        inner: std::io::stdout().lock(),
        closed: false,
    }
}

impl Stdout {
    /// Treats a closed pipe as the end of the output.
    fn quiet<T>(&mut self, done: T, r: std::io::Result<T>) -> std::io::Result<T> {
        match r {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(done)
            }
            other => other,
        }
    }
}

impl Write for Stdout {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        let r = self.inner.write(buf);
        self.quiet(buf.len(), r)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.closed {
            return Ok(());
        }
        let r = self.inner.flush();
        self.quiet((), r)
    }
}

/// JSON as the server has it: whole amounts without a float artefact (`4000000`, not
/// `4000000.0`); fractions are kept.
pub fn tidy_numbers(v: &mut Value) {
    match v {
        Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64()
                && f.fract() == 0.0
                && f.abs() < 9_007_199_254_740_992.0
            {
                *v = Value::from(f as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(tidy_numbers),
        Value::Object(map) => map.values_mut().for_each(tidy_numbers),
        _ => {}
    }
}

fn io(e: std::io::Error) -> ScriptError {
    ScriptError::failed(format!("cannot write the output: {e}"))
}

fn pc_failed(id: &str, e: PcError) -> ScriptError {
    match e {
        PcError::NotFound(_) => ScriptError::failed(format!("no referral with id `{id}`")),
        PcError::PreconditionFailed { .. } => ScriptError::failed(format!(
            "referral `{id}` was changed by someone else while it was being updated; \
             nothing was changed, run the command again"
        )),
        other => ScriptError::failed(format!("Partner Center: {other}")),
    }
}

/// The saved view `name` (ignoring case) among `views`; a usage error listing the views
/// otherwise.
pub fn find_view<'a>(views: &'a [View], name: &str) -> Result<&'a View> {
    views
        .iter()
        .find(|v| v.name.eq_ignore_ascii_case(name.trim()))
        .ok_or_else(|| {
            let known: Vec<&str> = views.iter().map(|v| v.name.as_str()).collect();
            ScriptError::usage(format!(
                "--view: no view `{name}`; the views are {} (see refdeck.toml [[views]] and views.toml)",
                known.join(", ")
            ))
        })
}

/// `referrals list --view NAME`: the view's filter (narrowed by `--filter`) and its sort.
pub async fn list_view(
    pc: &PartnerCenterClient,
    view: &View,
    filter_text: Option<&str>,
    format: ListFormat,
    now: DateTime<Utc>,
    out: &mut impl Write,
) -> Result {
    let text = [view.filter.as_str(), filter_text.unwrap_or("")]
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let filter = parse_filter(&text, now).map_err(|e| ScriptError {
        message: e
            .message
            .replacen("--filter", &format!("--view {}", view.name), 1),
        ..e
    })?;
    list_with(pc, filter, view.sort, format, out).await
}

/// `referrals list`: every referral the filter keeps, in the chosen format.
pub async fn list(
    pc: &PartnerCenterClient,
    filter_text: Option<&str>,
    format: ListFormat,
    now: DateTime<Utc>,
    out: &mut impl Write,
) -> Result {
    let filter = match filter_text {
        Some(text) => parse_filter(text, now)?,
        None => filter::Filter::default(),
    };
    list_with(pc, filter, None, format, out).await
}

/// Lists what `filter` keeps, in the order of `sort` (the server's order without one).
async fn list_with(
    pc: &PartnerCenterClient,
    filter: filter::Filter,
    sort: Option<SortSpec>,
    format: ListFormat,
    out: &mut impl Write,
) -> Result {
    let query = ListQuery {
        filter: filter.to_odata(),
        ..Default::default()
    };
    let listing = pc
        .list(&query, |_, _| {})
        .await
        .map_err(|e| ScriptError::failed(format!("Partner Center: {e}")))?;
    for s in &listing.skipped {
        eprintln!(
            "refdeck: skipped an unreadable referral {}: {}",
            s.id.as_deref().unwrap_or("(no id)"),
            s.error
        );
    }
    let mut matcher = Matcher::new(MatcherConfig::DEFAULT);
    let mut kept: Vec<(ReferralRow, Referral)> = listing
        .referrals
        .into_iter()
        .map(|r| (ReferralRow::from(&r), r))
        .filter(|(row, _)| filter.matches_row(row, &mut matcher))
        .collect();
    if let Some(spec) = sort {
        kept.sort_by(|a, b| compare_rows(&a.0, &b.0, spec));
    }
    let kept: Vec<Referral> = kept.into_iter().map(|(_, r)| r).collect();
    match format {
        ListFormat::Table => write_table(out, &kept).map_err(io),
        ListFormat::Json => write_pretty(
            out,
            &Value::Array(kept.iter().map(Referral::to_value).collect()),
        ),
        ListFormat::Csv => crate::backend::export::write_csv(out, &kept)
            .map_err(|e| ScriptError::failed(format!("cannot write the output: {e}"))),
    }
}

/// Parses `--filter`; every unreadable token is reported, and `mkto:` is refused.
fn parse_filter(text: &str, now: DateTime<Utc>) -> Result<filter::Filter> {
    let parsed = filter::parse(text, now);
    if !parsed.is_ok() {
        let reasons: Vec<String> = parsed.errors.iter().map(|e| e.reason.clone()).collect();
        return Err(ScriptError::usage(format!(
            "--filter: {}",
            reasons.join("; ")
        )));
    }
    let marketo = parsed.filter.terms.iter().any(|t| {
        matches!(
            t.cond,
            Cond::OneOf {
                field: ListField::Marketo,
                ..
            }
        )
    });
    if marketo {
        return Err(ScriptError::usage(
            "--filter: `mkto:` needs a Marketo check; use `refdeck marketo check` instead",
        ));
    }
    Ok(parsed.filter)
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn table_row(r: &Referral) -> [String; 6] {
    let value = match r.deal_value() {
        Some(v) => format!("{v:.2} {}", r.currency().to_ascii_uppercase())
            .trim_end()
            .to_string(),
        None => String::new(),
    };
    [
        r.id().to_string(),
        shorten(r.name(), TABLE_TEXT_WIDTH),
        shorten(r.customer_name(), TABLE_TEXT_WIDTH),
        format!("{}/{}", r.status(), r.substatus()),
        value,
        r.updated_date_time
            .map(|d| d.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default(),
    ]
}

/// Writes the aligned text table (a header, then one line per referral).
pub fn write_table(out: &mut impl Write, referrals: &[Referral]) -> std::io::Result<()> {
    const HEADER: [&str; 6] = ["ID", "NAME", "CUSTOMER", "STATUS", "VALUE", "UPDATED"];
    let rows: Vec<[String; 6]> = referrals.iter().map(table_row).collect();
    let mut widths = HEADER.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let header = HEADER.map(str::to_string);
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (i, (cell, w)) in row.iter().zip(widths).enumerate() {
            if i > 0 {
                line.push_str("  ");
            }
            line.push_str(cell);
            let pad = w - cell.chars().count();
            line.extend(std::iter::repeat_n(' ', pad));
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

/// `referrals get ID`: the referral as pretty JSON.
pub async fn get(pc: &PartnerCenterClient, id: &str, out: &mut impl Write) -> Result {
    let r = pc.get(id).await.map_err(|e| pc_failed(id, e))?;
    write_pretty(out, &r.to_value())
}

fn write_pretty(out: &mut impl Write, v: &Value) -> Result {
    let mut v = v.clone();
    tidy_numbers(&mut v);
    let text = serde_json::to_string_pretty(&v)
        .map_err(|e| ScriptError::failed(format!("cannot write the output: {e}")))?;
    writeln!(out, "{text}").map_err(io)
}

/// The JSON Patch for `set` on `current`, checked against the rules and validators
/// ([`crate::domain::set::plan`]); a value the command line got wrong is a usage error.
pub fn plan_set(current: &Referral, path: &str, value: Value) -> Result<Vec<PatchOp>> {
    set::plan(current, path, value).map_err(|e| ScriptError {
        code: if e.usage { 2 } else { 1 },
        message: e.message,
    })
}

/// `referrals set ID PATH VALUE`: reads the referral, checks the change, sends it with the
/// eTag, and prints the field's new value.
pub async fn set(
    pc: &PartnerCenterClient,
    id: &str,
    path: &str,
    value_text: &str,
    out: &mut impl Write,
) -> Result {
    let current = pc.get(id).await.map_err(|e| pc_failed(id, e))?;
    let ops = plan_set(&current, path, parse_value(value_text))?;
    let updated = pc
        .patch(id, &ops, current.etag.as_deref())
        .await
        .map_err(|e| pc_failed(id, e))?;
    if set::is_status_path(path) {
        return writeln!(out, "{}/{}", updated.status(), updated.substatus()).map_err(io);
    }
    let doc = updated.to_value();
    let shown = if path.ends_with("/-") {
        pointer(&doc, path.trim_end_matches("/-"))
    } else {
        pointer(&doc, path)
    };
    write_pretty(out, shown.unwrap_or(&Value::Null))
}

/// `referrals accept|decline ID...`: moves each referral in turn (read, checked against the
/// rules, sent with its eTag), or with `dry_run` prints what would be sent and sends nothing.
/// One line per id: the new status, `skipped: already …`, what would be sent, or why it was
/// refused. Every id is tried; exit 1 when any was refused or failed.
pub async fn move_many(
    pc: &PartnerCenterClient,
    ids: &[String],
    change: &BulkMove,
    dry_run: bool,
    out: &mut impl Write,
) -> Result {
    let mut failed = 0;
    for id in ids {
        let line = match move_one(pc, id, change, dry_run).await {
            Ok(line) => line,
            Err(e) => {
                failed += 1;
                format!("refused: {}", e.message)
            }
        };
        writeln!(out, "{id}\t{line}").map_err(io)?;
    }
    if failed > 0 {
        return Err(ScriptError::failed(format!(
            "{failed} of {} referrals could not be {}{}",
            ids.len(),
            change.past(),
            if dry_run {
                " (dry run: nothing was sent)"
            } else {
                ""
            }
        )));
    }
    Ok(())
}

/// One referral of [`move_many`]: the line to print, or why it cannot move.
async fn move_one(
    pc: &PartnerCenterClient,
    id: &str,
    change: &BulkMove,
    dry_run: bool,
) -> Result<String> {
    let current = pc.get(id).await.map_err(|e| pc_failed(id, e))?;
    let (status, sub) = (current.status(), current.substatus());
    if change.is_done(&status, &sub) {
        return Ok(format!("skipped: already {status}/{sub}"));
    }
    let ops = change.ops(&current).map_err(ScriptError::failed)?;
    if dry_run {
        let body = serde_json::to_string(&ops)
            .map_err(|e| ScriptError::failed(format!("cannot write the patch: {e}")))?;
        return Ok(format!(
            "would send PATCH {body} with If-Match: {}",
            current.etag.as_deref().unwrap_or("(none)")
        ));
    }
    let updated = pc
        .patch(id, &ops, current.etag.as_deref())
        .await
        .map_err(|e| pc_failed(id, e))?;
    Ok(format!("{}/{}", updated.status(), updated.substatus()))
}

/// `marketo check [ID]`: where one referral (or every referral) stands in Marketo, step by
/// step, with a summary. Exit 0 whatever the states are; 1 when the check cannot run.
pub async fn marketo_check(
    pc: &PartnerCenterClient,
    marketo: Option<&MarketoClient>,
    id: Option<&str>,
    out: &mut impl Write,
) -> Result {
    let Some(marketo) = marketo else {
        return Err(ScriptError::failed(
            "Marketo is not configured: set [marketo] client_id/client_secret/url in the config, \
             or pass --marketo-url for a sandbox",
        ));
    };
    let referrals = match id {
        Some(id) => vec![pc.get(id).await.map_err(|e| pc_failed(id, e))?],
        None => {
            pc.list(&ListQuery::default(), |_, _| {})
                .await
                .map_err(|e| ScriptError::failed(format!("Partner Center: {e}")))?
                .referrals
        }
    };
    let reports = marketo
        .check(&referrals)
        .await
        .map_err(|e| ScriptError::failed(format!("Marketo: {e}")))?;
    for (r, report) in referrals.iter().zip(&reports) {
        write_report(out, r, report).map_err(io)?;
    }
    write_summary(out, &reports).map_err(io)
}

/// One referral's check: a heading with the badge, then the five steps.
pub fn write_report(
    out: &mut impl Write,
    r: &Referral,
    report: &SyncReport,
) -> std::io::Result<()> {
    writeln!(
        out,
        "{}  {}  [{}]",
        r.id(),
        r.name(),
        report.badge().as_str()
    )?;
    for notice in report.instance.notices() {
        writeln!(out, "  note: {notice}")?;
    }
    let width = Step::ALL.iter().map(|s| s.label().len()).max().unwrap_or(0);
    for step in Step::ALL {
        writeln!(
            out,
            "  {:<width$}  {}",
            step.label(),
            report.step(step).state
        )?;
    }
    for p in &report.problems {
        writeln!(out, "  problem ({}): {}", p.step, p.message)?;
    }
    Ok(())
}

/// The closing line: how many referrals were checked and their badges.
pub fn write_summary(out: &mut impl Write, reports: &[SyncReport]) -> std::io::Result<()> {
    let count = |b: MarketoBadge| reports.iter().filter(|r| r.badge() == b).count();
    writeln!(
        out,
        "{} checked: {} synced, {} partial, {} missing",
        reports.len(),
        count(MarketoBadge::Synced),
        count(MarketoBadge::Partial),
        count(MarketoBadge::Missing)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn referral(v: Value) -> Referral {
        Referral::from_value(v).expect("a referral")
    }

    #[test]
    fn a_check_names_an_instance_that_cannot_take_the_sync() {
        let r = referral(json!({"id": "1", "name": "Deal", "status": "New"}));
        let plan = crate::domain::marketo::plan(&r, &Default::default());
        let mut seen = crate::domain::marketo::Observed::default();
        seen.instance = crate::domain::marketo::InstanceInfo {
            msi_non_native: false,
            native_crm: true,
        };
        let report = crate::domain::marketo::assess(&plan, &seen);
        let mut out = Vec::new();
        write_report(&mut out, &r, &report).expect("written");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(
            text.contains("note: MSI non-native is not enabled on this instance"),
            "{text}"
        );
        assert!(
            text.contains("note: this instance syncs a native CRM"),
            "{text}"
        );
        assert!(text.contains("leads"), "{text}");
    }

    #[test]
    fn values_are_json_when_they_parse_and_text_otherwise() {
        assert_eq!(parse_value("42"), json!(42));
        assert_eq!(parse_value("true"), json!(true));
        assert_eq!(parse_value("\"7\""), json!("7"));
        assert_eq!(parse_value("Contoso deal"), json!("Contoso deal"));
        assert_eq!(parse_value(r#"{"a":1}"#), json!({"a": 1}));
    }

    #[test]
    fn a_bare_status_takes_the_only_substatus_or_asks_for_one() {
        let new = referral(json!({"id": "1", "status": "New", "substatus": "Pending"}));
        let ops = plan_set(&new, "/status", json!("Active")).unwrap();
        assert_eq!(
            ops,
            vec![
                PatchOp::replace("/status", json!("Active")),
                PatchOp::replace("/substatus", json!("Accepted")),
            ]
        );
        let e = plan_set(&new, "/status", json!("Closed")).unwrap_err();
        assert_eq!(e.code, 2);
        assert!(e.message.contains("Closed/Declined"), "{e}");
        let ops = plan_set(&new, "/substatus", json!("Received")).unwrap();
        assert_eq!(ops[1], PatchOp::replace("/substatus", json!("Received")));
        let e = plan_set(&new, "/status", json!(3)).unwrap_err();
        assert_eq!(e.code, 2);
    }

    #[test]
    fn missing_fields_are_added_and_values_normalised() {
        let r = referral(json!({"id": "1", "status": "Active", "substatus": "Accepted"}));
        assert_eq!(
            plan_set(&r, "/details/currency", json!("gbp")).unwrap(),
            vec![PatchOp::add("/details/currency", json!("GBP"))]
        );
        assert_eq!(
            plan_set(&r, "/details/closingDateTime", json!("2026-12-31")).unwrap(),
            vec![PatchOp::add(
                "/details/closingDateTime",
                json!("2026-12-31T00:00:00Z")
            )]
        );
        assert_eq!(
            plan_set(&r, "/details/dealValue", json!("12,500")).unwrap(),
            vec![PatchOp::add("/details/dealValue", json!(12500.0))]
        );
        let e = plan_set(&r, "/team/-", json!({"email": "nope"})).unwrap_err();
        assert!(e.message.starts_with("team.-.email"), "{e}");
        let e = plan_set(&r, "/name", json!("x")).unwrap_err();
        assert!(e.message.contains("`/name` cannot be changed"), "{e}");
    }

    #[test]
    fn the_table_aligns_columns_and_shortens_long_names() {
        let long = "x".repeat(TABLE_TEXT_WIDTH + 5);
        let rows = [
            referral(
                json!({"id": "a", "name": long, "status": "New", "substatus": "Pending",
                "details": {"dealValue": 5.0, "currency": "usd"}}),
            ),
            referral(
                json!({"id": "bb", "name": "short", "status": "Active", "substatus": "Accepted"}),
            ),
        ];
        let mut out = Vec::new();
        write_table(&mut out, &rows).unwrap();
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[1].contains(&format!("{}…", "x".repeat(TABLE_TEXT_WIDTH - 1))));
        assert!(lines[1].contains("5.00 USD"));
        assert_eq!(
            lines[0].chars().take(4).collect::<String>(),
            "ID  ",
            "{text}"
        );
        let status_col = lines[0].find("STATUS").unwrap();
        for l in &lines[1..] {
            let at: String = l.chars().skip(status_col).take(3).collect();
            assert!(at == "New" || at == "Act", "{text}");
        }
    }
}
