//! Writing referrals to CSV or JSON (the palette's `export`, and `refdeck referrals list`).
//!
//! CSV has one row per referral with the list's columns plus ids and contacts; JSON is the full
//! referrals exactly as the API returned them (unknown fields included). Files are written to a
//! temporary name and renamed, so a failed export never leaves half a file; they hold customer
//! data, so they are created readable by their owner only.

use std::io::Write;
use std::path::Path;

use crate::domain::Referral;
use crate::domain::time::format_datetime;
use crate::protocol::ExportFormat;

/// The CSV columns.
pub const CSV_HEADER: &[&str] = &[
    "id",
    "engagementId",
    "name",
    "customer",
    "country",
    "status",
    "substatus",
    "type",
    "direction",
    "qualification",
    "salesStage",
    "dealValue",
    "currency",
    "closingDateTime",
    "createdDateTime",
    "updatedDateTime",
    "registrationStatus",
    "favorite",
    "externalReferenceId",
    "solutions",
    "contacts",
];

fn csv_record(r: &Referral) -> Vec<String> {
    let opt = |v: Option<String>| v.unwrap_or_default();
    let date = |d: Option<chrono::DateTime<chrono::Utc>>| {
        d.map(|d| format_datetime(&d)).unwrap_or_default()
    };
    vec![
        r.id().to_string(),
        opt(r.engagement_id.clone()),
        r.name().to_string(),
        r.customer_name().to_string(),
        r.country().to_string(),
        r.status().to_string(),
        r.substatus().to_string(),
        opt(r.referral_type.as_ref().map(|t| t.to_string())),
        opt(r.direction.as_ref().map(|t| t.to_string())),
        opt(r.qualification.as_ref().map(|t| t.to_string())),
        opt(r.sales_stage.as_ref().map(|t| t.to_string())),
        r.deal_value().map(|v| v.to_string()).unwrap_or_default(),
        r.currency().to_string(),
        date(r.closing_date()),
        date(r.created_date_time),
        date(r.updated_date_time),
        opt(r.registration_status.as_ref().map(|t| t.to_string())),
        r.is_favorite().to_string(),
        opt(r.external_reference_id.clone()),
        r.solutions()
            .iter()
            .filter_map(|s| s.id.clone())
            .collect::<Vec<_>>()
            .join(";"),
        r.contacts()
            .iter()
            .map(|c| format!("{} <{}>", c.full_name(), c.email.as_deref().unwrap_or("")))
            .collect::<Vec<_>>()
            .join(";"),
    ]
}

/// Writes referrals as CSV to any writer.
pub fn write_csv<W: Write>(out: W, referrals: &[Referral]) -> Result<(), String> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CSV_HEADER).map_err(|e| e.to_string())?;
    for r in referrals {
        w.write_record(csv_record(r)).map_err(|e| e.to_string())?;
    }
    w.flush().map_err(|e| e.to_string())
}

/// Writes referrals as a JSON array to any writer.
pub fn write_json<W: Write>(mut out: W, referrals: &[Referral]) -> Result<(), String> {
    serde_json::to_writer_pretty(&mut out, referrals).map_err(|e| e.to_string())?;
    out.write_all(b"\n").map_err(|e| e.to_string())
}

/// Writes referrals to a file (see the module notes).
pub fn write(path: &Path, format: ExportFormat, referrals: &[Referral]) -> Result<(), String> {
    let mut buf = Vec::new();
    match format {
        ExportFormat::Csv => write_csv(&mut buf, referrals)?,
        ExportFormat::Json => write_json(&mut buf, referrals)?,
    }
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
        && !dir.exists()
    {
        return Err(format!(
            "the folder {} does not exist; create it or pick another path",
            dir.display()
        ));
    }
    crate::backend::secure_file::write_private(path, &buf)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn referrals() -> Vec<Referral> {
        vec![serde_json::from_value(json!({
            "id": "r1", "name": "Deal, with comma", "status": "New", "substatus": "Pending",
            "customerProfile": {"name": "Contoso", "team": [{"firstName": "Ann", "lastName": "Lee", "email": "a@c.com"}]},
            "details": {"dealValue": 10.5, "currency": "USD", "requirements": {"solutions": [{"id": "SOL-1"}]}},
            "unknownThing": true
        }))
        .unwrap()]
    }

    #[test]
    fn csv_quotes_and_has_every_column() {
        let mut buf = Vec::new();
        write_csv(&mut buf, &referrals()).unwrap();
        let text = String::from_utf8(buf).unwrap();
        let mut rdr = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(rdr.headers().unwrap().len(), CSV_HEADER.len());
        let rec = rdr.records().next().unwrap().unwrap();
        assert_eq!(&rec[2], "Deal, with comma");
        assert_eq!(&rec[11], "10.5");
        assert_eq!(&rec[20], "Ann Lee <a@c.com>");
    }

    #[test]
    fn json_keeps_unknown_fields_and_files_are_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.json");
        write(&path, ExportFormat::Json, &referrals()).unwrap();
        let back: Vec<serde_json::Value> =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(back[0]["unknownThing"], true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        let err = write(
            &dir.path().join("missing/x.csv"),
            ExportFormat::Csv,
            &referrals(),
        )
        .unwrap_err();
        assert!(err.contains("does not exist"), "{err}");
    }
}
