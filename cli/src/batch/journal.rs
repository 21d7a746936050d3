//! The journal: an append-only file of JSON lines, each written and synced before the batch goes
//! on, so that whatever happens to the process, a rerun knows each row's state:
//!
//! - `pending`: about to send a write (the before-image is in it); with nothing after it, the
//!   write may or may not have happened, and a rerun checks with a fresh GET before sending again;
//! - `applied`, `unchanged`, `failed`, `uncertain`: done; a rerun skips the row;
//! - `deferred`: not sent (the daily quota's low-water mark); a rerun does it.
//!
//! The first line names the command: a journal is resumed only by the same command.
//!
//! One run at a time: a run holds an exclusive lock ([`Held`]) on `<journal>.lock` from before it
//! reads the journal until it ends, so a second run on the same journal (a cron overlap, a second
//! terminal) refuses at once, naming the process that holds it, instead of applying rows the
//! first is applying. The lock is the kernel's (`flock`): a run killed with SIGKILL releases it
//! with its process, so a resumption is never blocked by a dead run.

use std::collections::HashMap;
use std::io::{BufRead, Write};
use std::path::Path;
use std::sync::Mutex;

use serde_json::{json, Value};

/// A row's last state in the journal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    Pending,
    Applied,
    Unchanged,
    Failed(String),
    Uncertain,
    Deferred,
}

impl State {
    pub fn done(&self) -> bool {
        !matches!(self, State::Pending | State::Deferred)
    }
}

pub struct Journal {
    file: Mutex<std::fs::File>,
}

/// The lock of a journal, held while the value lives.
#[derive(Debug)]
pub struct Held {
    _file: std::fs::File,
}

/// Takes the journal at `path` for this run, or says which process has it.
pub fn hold(path: &Path) -> Result<Held, String> {
    let lock_path = lock_path(path);
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&lock_path)
        .map_err(|e| format!("{}: {e}", lock_path.display()))?;
    match file.try_lock() {
        Ok(()) => {
            // Who holds it, for a second run to name.
            let me = format!("{}\n", std::process::id());
            file.set_len(0)
                .and_then(|_| std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(0)))
                .and_then(|_| file.write_all(me.as_bytes()))
                .and_then(|_| file.sync_data())
                .map_err(|e| format!("{}: {e}", lock_path.display()))?;
            Ok(Held { _file: file })
        }
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = std::io::Read::read_to_string(&mut file, &mut holder);
            let holder = holder.trim();
            Err(format!(
                "{} is in use by another alma batch ({}); wait for it to end, or give another --journal",
                path.display(),
                if holder.is_empty() {
                    "a process that has not said its id yet".to_owned()
                } else {
                    format!("process {holder}")
                }
            ))
        }
        Err(std::fs::TryLockError::Error(e)) => {
            Err(format!("{}: cannot lock: {e}", lock_path.display()))
        }
    }
}

/// `<journal>.lock` beside the journal.
pub fn lock_path(path: &Path) -> std::path::PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    path.with_file_name(name)
}

/// What a journal on disk says: each row's last state.
pub fn read(path: &Path, command: &str) -> Result<HashMap<usize, State>, String> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashMap::new()),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let mut states = HashMap::new();
    for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
        let line = line.map_err(|e| format!("{}: {e}", path.display()))?;
        // A line cut short by a kill is the last one: nothing after it happened.
        let Ok(v) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        if i == 0 {
            let theirs = v["command"].as_str().unwrap_or("");
            if theirs != command {
                return Err(format!(
                    "{} is the journal of another command ({theirs}); give another --journal, or remove it",
                    path.display()
                ));
            }
            continue;
        }
        let Some(row) = v["row"].as_u64() else {
            continue;
        };
        let state = match v["state"].as_str().unwrap_or("") {
            "pending" => State::Pending,
            "applied" => State::Applied,
            "unchanged" => State::Unchanged,
            "failed" => State::Failed(v["code"].as_str().unwrap_or("error").to_owned()),
            "uncertain" => State::Uncertain,
            "deferred" => State::Deferred,
            _ => continue,
        };
        states.insert(row as usize, state);
    }
    Ok(states)
}

impl Journal {
    /// Opens (or starts) the journal of `command` at `path`.
    pub fn open(path: &Path, command: &str) -> Result<Journal, String> {
        let exists = path.exists();
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let j = Journal {
            file: Mutex::new(file),
        };
        if !exists {
            j.write(&json!({"journal": 1, "command": command}))?;
        }
        Ok(j)
    }

    /// Appends one line and syncs it to disk before returning.
    pub fn write(&self, v: &Value) -> Result<(), String> {
        let mut f = self.file.lock().unwrap_or_else(|e| e.into_inner());
        let mut line = v.to_string();
        line.push('\n');
        f.write_all(line.as_bytes())
            .and_then(|_| f.sync_data())
            .map_err(|e| format!("the journal: {e}"))
    }
}
