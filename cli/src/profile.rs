//! Profiles: `~/.config/alma/config.toml` (or `$ALMA_CONFIG`), one chosen with `--profile` or
//! `ALMA_PROFILE` (else the file's `default`), `ALMA_*` variables over it. The API key comes
//! from `ALMA_API_KEY`, the variable the profile names (`key_env`), or a command's output
//! (`key_cmd`, for password managers); it is never printed.

use std::collections::BTreeMap;
use std::path::PathBuf;

use alma_runtime::{Format, Priority, Region};
use serde::Deserialize;

/// One profile of the config file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// `na`, `eu`, `ap`, `aps`, `ca`, `cn`.
    pub region: Option<String>,
    /// Overrides the region (a proxy, a local Alma).
    pub base_url: Option<String>,
    /// Refuse writes (as a read-only key's plan would).
    pub read_only: Option<bool>,
    /// The environment variable holding the key.
    pub key_env: Option<String>,
    /// A command printing the key (`pass show alma/prod`).
    pub key_cmd: Option<String>,
    /// Share the institution's limits through this Redis server.
    pub redis_url: Option<String>,
    /// The institution's name in Redis.
    pub institution: Option<String>,
    /// `json` or `xml`.
    pub format: Option<String>,
    /// Language of texts in answers.
    pub lang: Option<String>,
    /// Stop when this few daily calls are left.
    pub low_water: Option<u64>,
    /// Requests per second this client allows itself (Alma's 25 by default).
    pub rate: Option<f64>,
    /// `interactive` (the default) or `batch` (`alma batch` defaults to `batch`).
    pub priority: Option<String>,
    /// The share of the rate batch requests keep (0 to 0.9; 0.1 by default).
    pub batch_share: Option<f64>,
    /// What this application may use of the institution's daily quota.
    pub budget: Option<BudgetSettings>,
}

/// `budget = { name = "nightly-sync", max = "60%", keep = "15%", daily_quota = 150000 }`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetSettings {
    /// The name it is counted under (the same in every process of the application).
    pub name: String,
    /// At most this much of today's quota: calls (`50000`) or a share (`"60%"`).
    pub max: Option<AmountSetting>,
    /// Leave at least this much of today's quota to the others.
    pub keep: Option<AmountSetting>,
    /// The institution's daily quota in calls (shares need it; else learnt from Alma's answers).
    pub daily_quota: Option<u64>,
}

/// A number of calls, or a text such as `"60%"` or `"50000"`.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum AmountSetting {
    Calls(u64),
    Text(String),
}

impl AmountSetting {
    fn amount(&self, what: &str) -> Result<alma_runtime::Amount, String> {
        match self {
            AmountSetting::Calls(n) => Ok(alma_runtime::Amount::Calls(*n)),
            AmountSetting::Text(t) => t.parse().map_err(|e| format!("budget {what}: {e}")),
        }
    }
}

impl BudgetSettings {
    fn budget(&self) -> Result<alma_runtime::Budget, String> {
        let mut b = alma_runtime::Budget::new(self.name.clone());
        if let Some(m) = &self.max {
            b = b.max(m.amount("max")?);
        }
        if let Some(k) = &self.keep {
            b = b.keep(k.amount("keep")?);
        }
        if let Some(q) = self.daily_quota {
            b = b.daily_quota(q);
        }
        Ok(b)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    default: Option<String>,
    #[serde(default)]
    profiles: BTreeMap<String, Profile>,
}

/// Where a setting came from, for `alma config show`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Profile,
    Env(&'static str),
    Default,
}

/// The settings in use.
#[derive(Debug, Clone)]
pub struct Settings {
    pub file: PathBuf,
    pub file_exists: bool,
    pub profile: Option<String>,
    pub values: Profile,
    pub origins: BTreeMap<&'static str, Origin>,
}

/// `$ALMA_CONFIG`, else `$XDG_CONFIG_HOME/alma/config.toml`, else `~/.config/alma/config.toml`.
pub fn config_path() -> PathBuf {
    if let Some(p) = std::env::var_os("ALMA_CONFIG") {
        return PathBuf::from(p);
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("alma/config.toml")
}

fn var(k: &str) -> Option<String> {
    std::env::var(k).ok().filter(|v| !v.trim().is_empty())
}

impl Settings {
    /// Reads the file, picks the profile, lays the environment over it.
    pub fn load(profile: Option<&str>) -> Result<Settings, String> {
        let file = config_path();
        let (parsed, exists) = match std::fs::read_to_string(&file) {
            Ok(text) => (
                toml::from_str::<File>(&text).map_err(|e| format!("{}: {e}", file.display()))?,
                true,
            ),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (File::default(), false),
            Err(e) => return Err(format!("{}: {e}", file.display())),
        };
        let chosen = profile
            .map(str::to_owned)
            .or_else(|| var("ALMA_PROFILE"))
            .or(parsed.default.clone());
        let mut values = match &chosen {
            Some(name) => parsed.profiles.get(name).cloned().ok_or_else(|| {
                let known: Vec<&str> = parsed.profiles.keys().map(String::as_str).collect();
                format!(
                    "no profile {name:?} in {} (profiles: {})",
                    file.display(),
                    if known.is_empty() {
                        "none".to_owned()
                    } else {
                        known.join(", ")
                    }
                )
            })?,
            None => Profile::default(),
        };
        let mut origins = BTreeMap::new();
        macro_rules! set {
            ($field:ident, $name:literal) => {
                origins.insert(
                    $name,
                    if values.$field.is_some() {
                        Origin::Profile
                    } else {
                        Origin::Default
                    },
                );
            };
        }
        set!(region, "region");
        set!(base_url, "base_url");
        set!(read_only, "read_only");
        set!(redis_url, "redis_url");
        set!(institution, "institution");
        set!(format, "format");
        set!(lang, "lang");
        set!(low_water, "low_water");
        set!(rate, "rate");
        set!(priority, "priority");
        set!(batch_share, "batch_share");
        set!(budget, "budget");
        // The environment over the profile.
        let env_over =
            |origins: &mut BTreeMap<&'static str, Origin>, key: &'static str, env: &'static str| {
                var(env).inspect(|_| {
                    origins.insert(key, Origin::Env(env));
                })
            };
        if let Some(v) = env_over(&mut origins, "region", "ALMA_REGION") {
            values.region = Some(v);
        }
        if let Some(v) = env_over(&mut origins, "base_url", "ALMA_BASE_URL") {
            values.base_url = Some(v);
        }
        if let Some(v) = env_over(&mut origins, "format", "ALMA_FORMAT") {
            values.format = Some(v);
        }
        if let Some(v) = env_over(&mut origins, "lang", "ALMA_LANG") {
            values.lang = Some(v);
        }
        if let Some(v) = env_over(&mut origins, "redis_url", "ALMA_REDIS_URL") {
            values.redis_url = Some(v);
        }
        if let Some(v) = env_over(&mut origins, "institution", "ALMA_INSTITUTION") {
            values.institution = Some(v);
        }
        if let Some(v) = env_over(&mut origins, "read_only", "ALMA_READ_ONLY") {
            values.read_only = Some(matches!(
                v.to_ascii_lowercase().as_str(),
                "1" | "true" | "yes"
            ));
        }
        if let Some(v) = env_over(&mut origins, "low_water", "ALMA_LOW_WATER") {
            values.low_water = Some(
                v.parse()
                    .map_err(|_| format!("ALMA_LOW_WATER: {v:?} is not a number"))?,
            );
        }
        if let Some(v) = env_over(&mut origins, "priority", "ALMA_PRIORITY") {
            values.priority = Some(v);
        }
        if let Some(name) = env_over(&mut origins, "budget", "ALMA_BUDGET") {
            let b = values.budget.get_or_insert_with(BudgetSettings::default);
            b.name = name;
        }
        for (env, field) in [("ALMA_BUDGET_MAX", 0), ("ALMA_BUDGET_KEEP", 1)] {
            if let Some(v) = var(env) {
                let b = values.budget.as_mut().ok_or_else(|| {
                    format!("{env} is set, but no budget is named (ALMA_BUDGET, or budget in the profile)")
                })?;
                origins.insert("budget", Origin::Env(env));
                let amount = Some(AmountSetting::Text(v));
                if field == 0 {
                    b.max = amount;
                } else {
                    b.keep = amount;
                }
            }
        }
        if let Some(v) = var("ALMA_DAILY_QUOTA") {
            let b = values.budget.as_mut().ok_or_else(|| {
                "ALMA_DAILY_QUOTA is set, but no budget is named (ALMA_BUDGET, or budget in the profile)".to_owned()
            })?;
            b.daily_quota = Some(
                v.trim()
                    .parse()
                    .map_err(|_| format!("ALMA_DAILY_QUOTA: {v:?} is not a number of calls"))?,
            );
        }
        Ok(Settings {
            file,
            file_exists: exists,
            profile: chosen,
            values,
            origins,
        })
    }

    /// The API key, and where it came from (never the key itself in messages).
    pub fn key(&self) -> Result<(String, String), String> {
        if let Some(k) = var("ALMA_API_KEY") {
            return Ok((k, "the environment variable ALMA_API_KEY".into()));
        }
        if let Some(name) = &self.values.key_env {
            if let Some(k) = var(name) {
                return Ok((k, format!("the environment variable {name} (key_env)")));
            }
        }
        if let Some(cmd) = &self.values.key_cmd {
            let out = std::process::Command::new("sh")
                .args(["-c", cmd])
                .stderr(std::process::Stdio::inherit())
                .output()
                .map_err(|e| format!("key_cmd: {e}"))?;
            if !out.status.success() {
                return Err(format!("key_cmd failed ({})", out.status));
            }
            let k = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            if k.is_empty() {
                return Err("key_cmd printed no key".into());
            }
            return Ok((k, "the output of key_cmd".into()));
        }
        Err(format!(
            "no API key: set ALMA_API_KEY, or key_env or key_cmd in {}",
            match &self.profile {
                Some(p) => format!("profile {p:?} of {}", self.file.display()),
                None => format!("a profile of {}", self.file.display()),
            }
        ))
    }

    pub fn format(&self) -> Result<Option<Format>, String> {
        self.values
            .format
            .as_deref()
            .map(|f| f.parse().map_err(|e| format!("format: {e}")))
            .transpose()
    }

    /// The class of the client's requests: the settings', else `default`.
    pub fn priority(&self, default: Priority) -> Result<Priority, String> {
        self.values
            .priority
            .as_deref()
            .map(|p| p.parse().map_err(|e| format!("priority: {e}")))
            .transpose()
            .map(|p| p.unwrap_or(default))
    }

    /// A client as the settings say; its requests are of class `priority` unless the settings
    /// say otherwise.
    pub fn client(
        &self,
        rate: Option<f64>,
        priority: Priority,
    ) -> Result<alma_runtime::Client, String> {
        self.client_with_budget(rate, priority, None)
    }

    /// As [`Settings::client`], with this budget over the profile's (`alma mcp --budget`).
    pub fn client_with_budget(
        &self,
        rate: Option<f64>,
        priority: Priority,
        budget: Option<alma_runtime::Budget>,
    ) -> Result<alma_runtime::Client, String> {
        let (key, _) = self.key()?;
        let mut b = alma_runtime::Client::builder().api_key(key);
        if let Some(r) = &self.values.region {
            let region: Region = r.parse().map_err(|e| format!("region: {e}"))?;
            b = b.region(region);
        }
        if let Some(u) = &self.values.base_url {
            b = b.base_url(u.clone());
        }
        if let Some(f) = self.format()? {
            b = b.format(f);
        }
        if let Some(l) = &self.values.lang {
            b = b.lang(l.clone());
        }
        if self.values.read_only == Some(true) {
            b = b.read_only(true);
        }
        if let Some(n) = self.values.low_water {
            b = b.quota_low_water_mark(n);
        }
        if let Some(r) = rate.or(self.values.rate) {
            b = b.rate_limit(r);
        }
        if let Some(url) = &self.values.redis_url {
            b = b.redis(url.clone(), self.values.institution.clone());
        }
        b = b.priority(self.priority(priority)?);
        if let Some(share) = self.values.batch_share {
            b = b.batch_share(share);
        }
        if let Some(budget) = budget {
            b = b.budget(budget);
        } else if let Some(budget) = &self.values.budget {
            b = b.budget(budget.budget()?);
        }
        b.build().map_err(|e| e.to_string())
    }
}

/// A Redis URL with its password hidden: `redis://user:***@host:6379/`.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    match rest.split_once('@') {
        Some((auth, host)) => match auth.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => format!("{scheme}://***@{host}"),
        },
        None => url.to_owned(),
    }
}

/// `alma config show`: the profile in use, each setting with where it came from, the key's
/// source but never the key.
pub fn show(s: &Settings) -> String {
    let mut out = Vec::new();
    out.push(format!(
        "config file: {}{}",
        s.file.display(),
        if s.file_exists { "" } else { " (not there)" }
    ));
    out.push(format!(
        "profile:     {}",
        s.profile
            .as_deref()
            .unwrap_or("(none: environment and defaults only)")
    ));
    let origin = |k: &str| match s.origins.get(k) {
        Some(Origin::Profile) => " (profile)".to_owned(),
        Some(Origin::Env(v)) => format!(" ({v})"),
        _ => String::new(),
    };
    let v = &s.values;
    let endpoint = match (&v.base_url, &v.region) {
        (Some(u), _) => format!("base_url:    {u}{}", origin("base_url")),
        (None, Some(r)) => format!("region:      {r}{}", origin("region")),
        (None, None) => "region:      na (default)".to_owned(),
    };
    out.push(endpoint);
    out.push(format!(
        "read_only:   {}{}",
        v.read_only.unwrap_or(false),
        origin("read_only")
    ));
    out.push(format!(
        "format:      {}{}",
        v.format.as_deref().unwrap_or("json (default)"),
        origin("format")
    ));
    if let Some(l) = &v.lang {
        out.push(format!("lang:        {l}{}", origin("lang")));
    }
    out.push(format!(
        "rate:        {} requests/s{}",
        v.rate.unwrap_or(alma_runtime::ALMA_REQUESTS_PER_SECOND),
        origin("rate")
    ));
    out.push(match &v.redis_url {
        Some(u) => format!(
            "limits:      shared through {} as {:?}{}",
            redact_url(u),
            v.institution.as_deref().unwrap_or("(a hash of the key)"),
            origin("redis_url")
        ),
        None => "limits:      this process only (no redis_url)".to_owned(),
    });
    if let Some(n) = v.low_water {
        out.push(format!(
            "low_water:   stop at {n} daily calls left{}",
            origin("low_water")
        ));
    }
    out.push(format!(
        "priority:    {}{}",
        match &v.priority {
            Some(p) => p.clone(),
            None => "interactive (default; batch for alma batch)".to_owned(),
        },
        origin("priority")
    ));
    out.push(format!(
        "batch_share: {}% of the rate kept for batch requests{}",
        v.batch_share.unwrap_or(alma_runtime::DEFAULT_BATCH_SHARE) * 100.0,
        origin("batch_share")
    ));
    out.push(match &v.budget {
        Some(b) => {
            let mut parts = Vec::new();
            let show = |a: &AmountSetting| match a.amount("") {
                Ok(a) => a.to_string(),
                Err(e) => e,
            };
            if let Some(m) = &b.max {
                parts.push(format!("at most {}", show(m)));
            }
            if let Some(k) = &b.keep {
                parts.push(format!("leaving {} to others", show(k)));
            }
            if let Some(q) = b.daily_quota {
                parts.push(format!("of a daily quota of {q} calls"));
            }
            if parts.is_empty() {
                parts.push("counted, no limit".to_owned());
            }
            format!(
                "budget:      {:?}: {}; counted {} and starting afresh at midnight GMT{}",
                b.name,
                parts.join(", "),
                if v.redis_url.is_some() {
                    "institution-wide through Redis"
                } else {
                    "in this process"
                },
                origin("budget")
            )
        }
        None => "budget:      none".to_owned(),
    });
    out.push(match s.key() {
        Ok((_, from)) => format!("api key:     ******** (from {from})"),
        Err(e) => format!("api key:     not set: {e}"),
    });
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_passwords_are_hidden() {
        assert_eq!(
            redact_url("redis://u:secret@h:6379/0"),
            "redis://u:***@h:6379/0"
        );
        assert_eq!(redact_url("redis://:secret@h/"), "redis://:***@h/");
        assert_eq!(redact_url("redis://h:6379/"), "redis://h:6379/");
    }
}
