//! `views.toml`: the views saved from the palette (`:view save NAME`, `:view delete NAME`),
//! beside the config file (`refdeck.toml`). refdeck never writes the config file itself, so
//! nothing the user wrote there — comments, order, spacing — can be lost or reformatted; this
//! file is refdeck's own and is rewritten whole (to a temporary file, then renamed over).
//!
//! ```toml
//! hidden = ["Won this quarter"]   # shipped or config views deleted with `:view delete`
//!
//! [[views]]
//! name = "Big deals"
//! filter = "value>50k"
//! sort = "value desc"
//! ```
//!
//! The views here come after the shipped ones and the config file's and replace one of the
//! same name (see [`crate::domain::view::merge`]); `hidden` takes views away by name.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::view::{self, View};

/// The file name, in the config file's directory.
pub const FILE_NAME: &str = "views.toml";

/// What `views.toml` holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SavedViews {
    pub views: Vec<View>,
    /// Names of earlier views (shipped, config) to leave out.
    pub hidden: Vec<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct FileForm {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    hidden: Vec<String>,
    views: Vec<EntryForm>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryForm {
    name: String,
    #[serde(default)]
    filter: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sort: Option<String>,
}

/// Where `views.toml` lives for a config file path.
pub fn path_beside(config: &Path) -> PathBuf {
    config.with_file_name(FILE_NAME)
}

impl SavedViews {
    /// Reads the file; a missing file is empty. Errors name the file, the view and the field.
    pub fn load(path: &Path, now: DateTime<Utc>) -> Result<SavedViews, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                SavedViews::parse(&text, now).map_err(|e| format!("{}: {e}", path.display()))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(SavedViews::default()),
            Err(e) => Err(format!(
                "{}: cannot read the saved views: {e}",
                path.display()
            )),
        }
    }

    /// Parses the text of `views.toml`.
    pub fn parse(text: &str, now: DateTime<Utc>) -> Result<SavedViews, String> {
        let form: FileForm = toml::from_str(text).map_err(|e| e.message().trim().to_string())?;
        let mut views = Vec::new();
        for (i, e) in form.views.into_iter().enumerate() {
            let v = View::new(&e.name, &e.filter, e.sort.as_deref(), now)
                .map_err(|err| format!("views[{}].{err}", i + 1))?;
            views.push(v);
        }
        Ok(SavedViews {
            views,
            hidden: form.hidden,
        })
    }

    /// The text of `views.toml`.
    pub fn to_toml(&self) -> String {
        let form = FileForm {
            hidden: self.hidden.clone(),
            views: self
                .views
                .iter()
                .map(|v| EntryForm {
                    name: v.name.clone(),
                    filter: v.filter.clone(),
                    sort: v.sort.map(|s| s.to_string()),
                })
                .collect(),
        };
        let body = toml::to_string(&form).unwrap_or_default();
        format!(
            "# Views saved from refdeck's palette (:view save NAME, :view delete NAME).\n\
             # refdeck rewrites this file; define views by hand in refdeck.toml ([[views]]).\n\n{body}"
        )
    }

    /// Writes the file: a temporary file beside it, then renamed over it.
    pub fn save(&self, path: &Path) -> Result<(), String> {
        let fail = |e: std::io::Error| format!("{}: cannot save the views: {e}", path.display());
        if let Some(dir) = path.parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir).map_err(fail)?;
        }
        let tmp = path.with_extension("toml.tmp");
        std::fs::write(&tmp, self.to_toml()).map_err(fail)?;
        std::fs::rename(&tmp, path).map_err(fail)
    }

    /// Saves `v` here (replacing one of its name) and shows it again if it was hidden.
    pub fn put(&mut self, v: View) {
        self.hidden.retain(|h| !h.eq_ignore_ascii_case(&v.name));
        self.views = view::merge(std::mem::take(&mut self.views), [v]);
    }

    /// Deletes the view `name`: a view saved here is removed; one from further down (the
    /// shipped views, the config file) is hidden. Nothing is recorded for a name `below`
    /// does not have.
    pub fn delete(&mut self, name: &str, below: &[View]) {
        self.views.retain(|v| !v.name.eq_ignore_ascii_case(name));
        if let Some(v) = below.iter().find(|v| v.name.eq_ignore_ascii_case(name))
            && !self.hidden.iter().any(|h| h.eq_ignore_ascii_case(&v.name))
        {
            self.hidden.push(v.name.clone());
        }
    }

    /// The views in use: `below` (shipped and config views) with these laid over them, the
    /// hidden ones left out.
    pub fn over(&self, below: &[View]) -> Vec<View> {
        view::merge(below.to_vec(), self.views.iter().cloned())
            .into_iter()
            .filter(|v| !self.hidden.iter().any(|h| h.eq_ignore_ascii_case(&v.name)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        Utc::now()
    }

    #[test]
    fn saved_views_round_trip_through_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = path_beside(&dir.path().join("refdeck.toml"));
        assert_eq!(
            SavedViews::load(&path, now()).unwrap(),
            SavedViews::default()
        );
        let mut saved = SavedViews::default();
        saved.put(View::new("Big \"deals\"", "value>50k", Some("value desc"), now()).unwrap());
        saved.delete("Expiring", &view::defaults());
        saved.save(&path).unwrap();
        let back = SavedViews::load(&path, now()).unwrap();
        assert_eq!(back, saved);
        let names: Vec<String> = back
            .over(&view::defaults())
            .into_iter()
            .map(|v| v.name)
            .collect();
        assert!(names.contains(&"Big \"deals\"".to_string()), "{names:?}");
        assert!(!names.contains(&"Expiring".to_string()), "{names:?}");
    }

    #[test]
    fn saving_a_hidden_name_shows_it_again_and_deleting_a_saved_one_removes_it() {
        let mut saved = SavedViews::default();
        saved.delete("To answer", &view::defaults());
        saved.put(View::new("to answer", "status:new", None, now()).unwrap());
        assert!(saved.hidden.is_empty());
        saved.delete("Mine", &view::defaults());
        assert!(saved.hidden.is_empty(), "a name nobody has is not recorded");
        saved.delete("TO ANSWER", &view::defaults());
        assert!(saved.views.is_empty());
        assert_eq!(saved.hidden, ["To answer"]);
    }

    #[test]
    fn a_bad_file_names_the_view_and_field() {
        let e = SavedViews::parse("[[views]]\nname = \"x\"\nfilter = \"stauts:new\"\n", now())
            .unwrap_err();
        assert!(e.starts_with("views[1].filter:"), "{e}");
        let e = SavedViews::parse("[[views]]\nnam = \"x\"\n", now()).unwrap_err();
        assert!(e.contains("nam"), "{e}");
    }
}
