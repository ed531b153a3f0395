//! The configuration file: TOML at the platform config dir (`refdeck.toml`), every option
//! documented in `assets/config.example.toml`. Unknown keys are errors (a typo must not be
//! silently ignored); every error carries the line and column and says how to fix it.
//!
//! Precedence (highest first): command-line flags, `REFDECK_*` environment variables, this file,
//! built-in defaults.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::domain::view::View;
use crate::keys::{self, KeySpec};

/// The real Partner Center Referrals API.
pub const PARTNER_CENTER_URL: &str = "https://api.partner.microsoft.com/v1.0/engagements";
/// Azure AD's v2 authority host.
pub const AUTHORITY: &str = "https://login.microsoftonline.com";
/// The delegated scope of the Referrals API.
pub const PARTNER_CENTER_SCOPE: &str =
    "https://api.partner.microsoft.com/user_impersonation offline_access";
/// Where `o` opens a referral; `{id}` is replaced.
pub const PORTAL_URL: &str = "https://partner.microsoft.com/dashboard/referrals/v2/leads/{id}";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub partner_center: PartnerCenterSection,
    pub marketo: MarketoSection,
    pub sandbox: SandboxSection,
    pub ui: UiSection,
    pub log: LogSection,
    /// Action name → key or keys (see [`crate::keys`]).
    pub keys: BTreeMap<String, Spanned<KeySpec>>,
    /// Where the local store and logs live (default: the platform data dir).
    pub data_dir: Option<PathBuf>,
    /// Exchange rates replacing or adding to the shipped table (code → units one US dollar
    /// buys), for comparing deal values; see [`crate::domain::money`].
    pub rates: BTreeMap<String, f64>,
    /// Saved views (`[[views]]`): tabs above the list; see [`crate::domain::view`].
    pub views: Vec<ViewEntry>,
}

/// One `[[views]]` table as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViewEntry {
    pub name: Spanned<String>,
    #[serde(default)]
    pub filter: Option<Spanned<String>>,
    /// `COLUMN [asc|desc]`, as the palette's `sort`.
    #[serde(default)]
    pub sort: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PartnerCenterSection {
    /// Base URL of the Referrals API (…/v1.0/engagements).
    pub url: Option<String>,
    /// Azure AD tenant id or domain (`organizations` for any work account).
    pub tenant: String,
    /// Azure AD application (public client) id. Setting it means "use the real service".
    pub client_id: Option<String>,
    pub authority: String,
    pub scope: String,
    /// Calls allowed per window (the service allows 100 per 60 s).
    pub rate_limit_calls: usize,
    pub rate_limit_window_secs: u64,
    /// Browser address of a referral in Partner Center; `{id}` is replaced.
    pub portal_url: String,
}

impl Default for PartnerCenterSection {
    fn default() -> Self {
        PartnerCenterSection {
            url: None,
            tenant: "organizations".into(),
            client_id: None,
            authority: AUTHORITY.into(),
            scope: PARTNER_CENTER_SCOPE.into(),
            rate_limit_calls: 100,
            rate_limit_window_secs: 60,
            portal_url: PORTAL_URL.into(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MarketoSection {
    /// REST base, e.g. `https://123-ABC-456.mktorest.com`.
    pub url: Option<String>,
    pub client_id: Option<String>,
    /// Prefer `client_secret_env` so the secret is not in a file.
    pub client_secret: Option<String>,
    /// Name of an environment variable holding the client secret.
    pub client_secret_env: Option<String>,
    /// How Partner Center records map onto Marketo records.
    pub mapping: crate::domain::marketo::MarketoMapping,
    /// refdeck's share of the instance's 100 calls per 20 s (Adobe advises one integration to
    /// keep to 50 or fewer).
    pub rate_limit_calls: usize,
    pub rate_limit_window_secs: u64,
    /// refdeck's share of the instance's 10 calls in flight (Adobe advises five or fewer).
    pub max_concurrent: usize,
}

impl Default for MarketoSection {
    fn default() -> Self {
        MarketoSection {
            url: None,
            client_id: None,
            client_secret: None,
            client_secret_env: None,
            mapping: Default::default(),
            rate_limit_calls: 50,
            rate_limit_window_secs: 20,
            max_concurrent: 5,
        }
    }
}

impl MarketoSection {
    /// The client secret, from the environment variable named in config or the file.
    pub fn secret(&self) -> Option<String> {
        self.client_secret_env
            .as_deref()
            .and_then(|name| std::env::var(name).ok())
            .filter(|s| !s.is_empty())
            .or_else(|| self.client_secret.clone().filter(|s| !s.is_empty()))
    }

    /// True when enough is configured to talk to a real Marketo instance.
    pub fn has_credentials(&self) -> bool {
        self.url.is_some() && self.client_id.is_some() && self.secret().is_some()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SandboxSection {
    /// Demo referrals the in-process sandbox starts with.
    pub referrals: usize,
    /// Seed of the demo data (same seed, same data).
    pub seed: u64,
}

impl Default for SandboxSection {
    fn default() -> Self {
        SandboxSection {
            referrals: 500,
            seed: 42,
        }
    }
}

/// The colour themes `ui.theme` may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThemeName {
    Dark,
    Light,
    HighContrast,
    Mono,
}

impl ThemeName {
    /// The names as written in config, in the order they are offered.
    pub const NAMES: &'static [&'static str] = &["dark", "light", "high-contrast", "mono"];

    /// A theme by name, with a few aliases (`default`, `contrast`, `no-color`, …).
    pub fn parse(name: &str) -> Option<ThemeName> {
        match name.trim().to_ascii_lowercase().as_str() {
            "dark" | "default" => Some(ThemeName::Dark),
            "light" => Some(ThemeName::Light),
            "high-contrast" | "high_contrast" | "contrast" => Some(ThemeName::HighContrast),
            "mono" | "none" | "no-color" => Some(ThemeName::Mono),
            _ => None,
        }
    }

    /// The configured theme, or the error `config check` reports for it.
    pub fn from_config(configured: &str) -> Result<ThemeName, String> {
        ThemeName::parse(configured).ok_or_else(|| {
            format!(
                "ui.theme: unknown theme `{configured}`; use one of {}",
                ThemeName::NAMES.join(", ")
            )
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UiSection {
    /// dark, light, high-contrast or mono (see [`ThemeName`]). `NO_COLOR` forces mono.
    pub theme: Spanned<String>,
    /// Background refresh period; 0 turns it off.
    pub refresh_interval_secs: u64,
    /// Mouse clicks and wheel.
    pub mouse: bool,
    /// Below this width the right pane replaces the list instead of sitting beside it.
    pub split_min_width: u16,
    /// The currency deal values are compared in (sorting, `value>` filters, the detail's
    /// converted value).
    pub reporting_currency: String,
    /// Accept, decline, status moves and Marketo pushes ask first (one line naming the
    /// referral and the move).
    pub confirm_actions: bool,
    /// Seconds a status move waits in the outbox before it is sent, while `u` can undo it;
    /// 0 sends at once (no undo).
    pub undo_seconds: u64,
    /// A terminal notification when a background refresh finds new incoming referrals:
    /// `off`, `osc9` or `osc777` (see [`NotifyStyle`]).
    pub notify: Spanned<String>,
}

/// How the terminal is told about new incoming referrals (`ui.notify`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NotifyStyle {
    #[default]
    Off,
    /// `OSC 9 ; text BEL` (iTerm2, Windows Terminal, kitty, WezTerm, foot…).
    Osc9,
    /// `OSC 777 ; notify ; title ; text BEL` (rxvt-unicode, VTE terminals, WezTerm…).
    Osc777,
}

impl NotifyStyle {
    /// Reads `ui.notify`; the error names the choices.
    pub fn parse(s: &str) -> Result<NotifyStyle, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "off" | "" => Ok(NotifyStyle::Off),
            "osc9" => Ok(NotifyStyle::Osc9),
            "osc777" => Ok(NotifyStyle::Osc777),
            other => Err(format!(
                "`{other}` is not a notification style; use off, osc9 or osc777"
            )),
        }
    }
}

impl Default for UiSection {
    fn default() -> Self {
        UiSection {
            theme: Spanned::new(0..0, "dark".to_string()),
            refresh_interval_secs: 300,
            mouse: true,
            split_min_width: 120,
            reporting_currency: crate::domain::money::DEFAULT_REPORTING.to_string(),
            confirm_actions: true,
            undo_seconds: 5,
            notify: Spanned::new(0..0, "off".to_string()),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSection {
    /// error, warn, info, debug or trace (or a tracing filter such as `refdeck=debug`).
    pub level: String,
}

impl Default for LogSection {
    fn default() -> Self {
        LogSection {
            level: "info".into(),
        }
    }
}

/// One problem in the config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub path: PathBuf,
    /// 1-based; 0 when the problem is not tied to a place in the file.
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(
                f,
                "{}:{}:{}: {}",
                self.path.display(),
                self.line,
                self.column,
                self.message
            )
        } else {
            write!(f, "{}: {}", self.path.display(), self.message)
        }
    }
}

/// The config file's default location.
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "refdeck").map(|d| d.config_dir().join("refdeck.toml"))
}

/// The default data directory (store, logs, token cache).
pub fn default_data_dir() -> PathBuf {
    directories::ProjectDirs::from("", "", "refdeck")
        .map(|d| d.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from(".refdeck"))
}

impl Config {
    /// Reads the config file; a missing file gives the defaults.
    pub fn load(path: &Path) -> Result<Config, Vec<ConfigError>> {
        match std::fs::read_to_string(path) {
            Ok(text) => Config::parse(&text, path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(e) => Err(vec![ConfigError {
                path: path.to_path_buf(),
                line: 0,
                column: 0,
                message: format!("cannot read the config file: {e}"),
            }]),
        }
    }

    /// Parses and checks config text. All problems are reported, not just the first.
    pub fn parse(text: &str, path: &Path) -> Result<Config, Vec<ConfigError>> {
        let at = |span: Option<std::ops::Range<usize>>, message: String| {
            let (line, column) = span.map(|s| line_col(text, s.start)).unwrap_or((0, 0));
            ConfigError {
                path: path.to_path_buf(),
                line,
                column,
                message,
            }
        };
        let config: Config =
            toml::from_str(text).map_err(|e| vec![at(e.span(), e.message().trim().to_string())])?;
        let mut errors = Vec::new();
        if let Err(e) = ThemeName::from_config(config.ui.theme.get_ref()) {
            errors.push(at(Some(config.ui.theme.span()), e));
        }
        if let Err(key_errors) = keys::resolve(&config.key_specs()) {
            for e in key_errors {
                let action = e
                    .strip_prefix("keys.")
                    .and_then(|r| r.split(':').next())
                    .unwrap_or("");
                let span = config.keys.get(action).map(|s| s.span());
                errors.push(at(span, e));
            }
        }
        for (name, url) in [
            ("partner_center.url", config.partner_center.url.as_deref()),
            ("marketo.url", config.marketo.url.as_deref()),
        ] {
            if let Some(u) = url
                && let Err(e) = check_url(u)
            {
                errors.push(at(find_key(text, name), format!("{name}: {e}")));
            }
        }
        if config.partner_center.rate_limit_calls == 0
            || config.partner_center.rate_limit_window_secs == 0
        {
            errors.push(at(
                find_key(text, "partner_center.rate_limit_calls"),
                "partner_center.rate_limit_calls and rate_limit_window_secs must be at least 1"
                    .into(),
            ));
        }
        let m = &config.marketo;
        for (key, ok, rule) in [
            (
                "rate_limit_calls",
                (1..=100).contains(&m.rate_limit_calls),
                "1 to 100 (the instance allows 100 per 20 s for every integration together)",
            ),
            (
                "rate_limit_window_secs",
                m.rate_limit_window_secs > 0,
                "at least 1",
            ),
            (
                "max_concurrent",
                (1..=10).contains(&m.max_concurrent),
                "1 to 10 (the instance allows 10 calls in flight)",
            ),
        ] {
            if !ok {
                errors.push(at(
                    find_key(text, &format!("marketo.{key}")),
                    format!("marketo.{key} must be {rule}"),
                ));
            }
        }
        if let Err(mapping_errors) = config.marketo.mapping.validate() {
            for e in mapping_errors {
                let span = find_key(text, &format!("marketo.mapping.{}", e.field));
                errors.push(at(span, format!("marketo.mapping.{e}")));
            }
        }
        if let Err(e) = config.money() {
            let key = if e.starts_with("[rates]") {
                "rates"
            } else {
                "ui.reporting_currency"
            };
            errors.push(at(find_key(text, key), e));
        }
        if let Err(e) = check_log_level(&config.log.level) {
            errors.push(at(find_key(text, "log.level"), format!("log.level: {e}")));
        }
        if let Err(e) = NotifyStyle::parse(config.ui.notify.get_ref()) {
            errors.push(at(Some(config.ui.notify.span()), format!("ui.notify: {e}")));
        }
        if let Err(view_errors) = config.checked_views(chrono::Utc::now()) {
            for (span, message) in view_errors {
                errors.push(at(Some(span), message));
            }
        }
        if errors.is_empty() {
            Ok(config)
        } else {
            Err(errors)
        }
    }

    /// The rate table of `[rates]` over the shipped one, reporting in `[ui] reporting_currency`.
    pub fn money(&self) -> Result<crate::domain::money::Rates, String> {
        crate::domain::money::Rates::configured(&self.ui.reporting_currency, &self.rates)
    }

    /// The `[[views]]` tables as views, checked; each error has its place in the file and
    /// names the field (`views[2].filter: …`): an empty name, a filter that does not parse, an
    /// unknown sort, a name given twice.
    pub fn checked_views(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<View>, Vec<(std::ops::Range<usize>, String)>> {
        let mut views: Vec<View> = Vec::new();
        let mut errors = Vec::new();
        for (i, entry) in self.views.iter().enumerate() {
            let filter = entry.filter.as_ref().map_or("", |f| f.get_ref().as_str());
            let sort = entry.sort.as_ref().map(|s| s.get_ref().as_str());
            match View::new(entry.name.get_ref(), filter, sort, now) {
                Ok(v) => {
                    if views.iter().any(|o| o.name.eq_ignore_ascii_case(&v.name)) {
                        errors.push((
                            entry.name.span(),
                            format!(
                                "views[{}].name: `{}` is used by an earlier view; give each view its own name",
                                i + 1,
                                v.name
                            ),
                        ));
                    } else {
                        views.push(v);
                    }
                }
                Err(e) => {
                    let span = match e.field {
                        "filter" => entry.filter.as_ref().map(|f| f.span()),
                        "sort" => entry.sort.as_ref().map(|s| s.span()),
                        _ => None,
                    }
                    .unwrap_or_else(|| entry.name.span());
                    errors.push((span, format!("views[{}].{e}", i + 1)));
                }
            }
        }
        if errors.is_empty() {
            Ok(views)
        } else {
            Err(errors)
        }
    }

    /// The `[keys]` table without its places in the file.
    pub fn key_specs(&self) -> BTreeMap<String, KeySpec> {
        self.keys
            .iter()
            .map(|(k, v)| (k.clone(), v.get_ref().clone()))
            .collect()
    }
}

/// Checks that a URL is absolute http(s).
pub fn check_url(u: &str) -> Result<url::Url, String> {
    match url::Url::parse(u) {
        Ok(parsed) if matches!(parsed.scheme(), "http" | "https") && parsed.host().is_some() => {
            Ok(parsed)
        }
        Ok(_) => Err(format!(
            "`{u}` must be an http:// or https:// address with a host"
        )),
        Err(e) => Err(format!(
            "`{u}` is not a URL ({e}); write it like https://example.com/path"
        )),
    }
}

/// Checks a log filter: comma-separated directives, each a level or `target=level`.
pub fn check_log_level(filter: &str) -> Result<(), String> {
    const LEVELS: [&str; 6] = ["error", "warn", "info", "debug", "trace", "off"];
    let fix = "use error, warn, info, debug or trace, or target=level such as refdeck=debug";
    for directive in filter.split(',').map(str::trim) {
        let ok = match directive.rsplit_once('=') {
            Some((target, level)) => {
                !target.trim().is_empty()
                    && LEVELS.contains(&level.trim().to_ascii_lowercase().as_str())
            }
            None => LEVELS.contains(&directive.to_ascii_lowercase().as_str()),
        };
        if !ok {
            return Err(format!("`{directive}` is not a log level; {fix}"));
        }
    }
    Ok(())
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..text.floor_char_boundary(offset)];
    let line = before.matches('\n').count() + 1;
    let column = before
        .rsplit('\n')
        .next()
        .map(|l| l.chars().count())
        .unwrap_or(0)
        + 1;
    (line, column)
}

/// Finds where `section.key` is written, for errors about values serde accepted.
fn find_key(text: &str, dotted: &str) -> Option<std::ops::Range<usize>> {
    let (section, key) = dotted.rsplit_once('.')?;
    let mut in_section = false;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim();
        if t.starts_with('[') {
            in_section = t.trim_matches(|c| c == '[' || c == ']').trim() == section;
        } else if in_section
            && let Some((k, _)) = t.split_once('=')
            && k.trim() == key
        {
            let start = offset + line.find(key).unwrap_or(0);
            return Some(start..start + key.len());
        }
        offset += line.len();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, Vec<ConfigError>> {
        Config::parse(text, Path::new("refdeck.toml"))
    }

    #[test]
    fn empty_file_gives_defaults() {
        let c = parse("").unwrap();
        assert_eq!(c.sandbox.referrals, 500);
        assert_eq!(c.partner_center.rate_limit_calls, 100);
        assert_eq!(c.ui.theme.get_ref(), "dark");
    }

    #[test]
    fn the_reporting_currency_and_rates_come_from_the_config() {
        let c = parse("[ui]\nreporting_currency = \"sek\"\n[rates]\nSEK = 10.0\nXTS = 2.0\n")
            .unwrap_or_else(|e| panic!("{e:?}"));
        let rates = c.money().unwrap();
        assert_eq!(rates.reporting(), "SEK");
        assert_eq!(rates.to_reporting(1.0, "USD"), Some(10.0));
        assert_eq!(rates.to_reporting(2.0, "XTS"), Some(10.0));
        assert_eq!(Config::default().money().unwrap().reporting(), "USD");
        let e = parse("[ui]\nreporting_currency = \"XYZ\"\n").unwrap_err();
        assert!(e[0].message.contains("no rate for XYZ"), "{e:?}");
        assert_eq!(e[0].line, 2);
    }

    #[test]
    fn the_example_file_is_valid_and_complete() {
        let text = include_str!("../assets/config.example.toml");
        let c = parse(text).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(c.ui.theme.get_ref(), "dark");
        // Every documented section is present in the example.
        for section in [
            "[partner_center]",
            "[marketo]",
            "[marketo.mapping]",
            "[sandbox]",
            "[ui]",
            "[log]",
            "[keys]",
            "[rates]",
        ] {
            assert!(text.contains(section), "{section} missing from the example");
        }
    }

    #[test]
    fn unknown_keys_are_reported_with_their_line() {
        let errs = parse("[ui]\nmouse = true\nthemee = \"dark\"\n").unwrap_err();
        assert_eq!(errs[0].line, 3, "{errs:?}");
        assert!(errs[0].message.contains("themee"), "{errs:?}");
        assert!(
            errs[0].to_string().starts_with("refdeck.toml:3:"),
            "{}",
            errs[0]
        );
    }

    #[test]
    fn wrong_types_are_reported_with_their_line() {
        let errs = parse("[sandbox]\nreferrals = \"many\"\n").unwrap_err();
        assert_eq!(errs[0].line, 2, "{errs:?}");
    }

    #[test]
    fn bad_values_name_the_field_and_fix() {
        let errs = parse(
            "[ui]\ntheme = \"neon\"\n\n[keys]\nrefresh = \"hyper-r\"\n\n[partner_center]\nurl = \"ftp://x\"\n\n[log]\nlevel = \"loud=\"\n",
        )
        .unwrap_err();
        let text: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        assert!(
            text.iter()
                .any(|e| e.contains(":2:") && e.contains("unknown theme `neon`")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|e| e.contains(":5:") && e.contains("keys.refresh")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|e| e.contains(":8:") && e.contains("partner_center.url")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|e| e.contains(":11:") && e.contains("log.level")),
            "{text:?}"
        );
    }

    #[test]
    fn bad_marketo_mapping_is_reported_on_its_line() {
        let errs =
            parse("[marketo.mapping]\nlowercase_ids = true\nsales_person_id = \"{nickname}\"\n")
                .unwrap_err();
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].line, 3, "{errs:?}");
        assert!(errs[0].message.starts_with("marketo.mapping."), "{errs:?}");
        let typo = parse("[marketo.mapping]\nsales_persn_id = \"x\"\n").unwrap_err();
        assert_eq!(typo[0].line, 2, "{typo:?}");
    }

    #[test]
    fn marketo_limits_default_to_adobes_advice_and_are_checked() {
        let c = parse("").unwrap();
        assert_eq!(
            (
                c.marketo.rate_limit_calls,
                c.marketo.rate_limit_window_secs,
                c.marketo.max_concurrent
            ),
            (50, 20, 5)
        );
        for bad in [
            "[marketo]\nmax_concurrent = 0\n",
            "[marketo]\nmax_concurrent = 11\n",
            "[marketo]\nrate_limit_calls = 0\n",
            "[marketo]\nrate_limit_calls = 101\n",
            "[marketo]\nrate_limit_window_secs = 0\n",
        ] {
            let errs = parse(bad).unwrap_err();
            assert!(errs[0].message.starts_with("marketo."), "{bad}: {errs:?}");
            assert_eq!(errs[0].line, 2, "{bad}: {errs:?}");
        }
    }

    #[test]
    fn views_are_read_and_bad_ones_name_the_field_and_line() {
        let c = parse("[[views]]\nname = \"Big\"\nfilter = \"value>50k\"\nsort = \"value desc\"\n")
            .unwrap_or_else(|e| panic!("{e:?}"));
        let views = c.checked_views(chrono::Utc::now()).unwrap();
        assert_eq!(views[0].name, "Big");
        assert_eq!(
            views[0].sort.map(|s| s.to_string()).as_deref(),
            Some("value desc")
        );
        let errs = parse(
            "[[views]]\nname = \"\"\n\n[[views]]\nname = \"A\"\nfilter = \"stauts:new\"\n\n[[views]]\nname = \"B\"\n[[views]]\nname = \"b\"\n",
        )
        .unwrap_err();
        let text: Vec<String> = errs.iter().map(|e| e.to_string()).collect();
        assert!(
            text.iter()
                .any(|e| e.contains(":2:") && e.contains("views[1].name: a view needs a name")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|e| e.contains(":6:") && e.contains("views[2].filter: `stauts:new`")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|e| e.contains(":11:") && e.contains("views[4].name: `b` is used")),
            "{text:?}"
        );
        let unknown = parse("[[views]]\nname = \"A\"\nfliter = \"x\"\n").unwrap_err();
        assert_eq!(unknown[0].line, 3, "{unknown:?}");
    }

    #[test]
    fn notify_is_off_by_default_and_checked() {
        assert_eq!(parse("").unwrap().ui.notify.get_ref(), "off");
        let c = parse("[ui]\nnotify = \"osc777\"\n").unwrap();
        assert_eq!(
            NotifyStyle::parse(c.ui.notify.get_ref()),
            Ok(NotifyStyle::Osc777)
        );
        let errs = parse("[ui]\nnotify = \"bell\"\n").unwrap_err();
        assert_eq!(errs[0].line, 2, "{errs:?}");
        assert!(errs[0].message.starts_with("ui.notify:"), "{errs:?}");
    }

    #[test]
    fn marketo_secret_prefers_the_environment() {
        let c = parse("[marketo]\nclient_secret = \"file\"\nclient_secret_env = \"REFDECK_TEST_SECRET_XYZ\"\n").unwrap();
        assert_eq!(c.marketo.secret().as_deref(), Some("file"));
        assert!(!c.marketo.has_credentials());
    }
}
