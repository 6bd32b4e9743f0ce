//! The set of profiles a run can use: the shipped ones, compiled into the
//! binary, plus any the user adds with `--profiles-dir` or a file path.
//!
//! A user file whose id matches a shipped profile replaces it (so a site can
//! correct a profile without rebuilding); two user files with the same id are
//! an error, because which one wins would depend on file order.

use std::path::{Path, PathBuf};

use super::locate::{Seg, locate};
use super::{Location, Origin, Profile, ProfileError, ProfileErrorKind, Role};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_profiles.rs"));
}

/// Profiles by id, shipped ones first, in a stable order.
#[derive(Debug, Clone)]
pub struct Catalog {
    profiles: Vec<Entry>,
}

#[derive(Debug, Clone)]
struct Entry {
    profile: Profile,
    /// Where the `id` scalar is, for duplicate-id messages.
    id_at: Option<Location>,
}

/// A profile argument that is neither a known id nor a readable file.
#[derive(Debug, thiserror::Error)]
#[error(
    "unknown profile {input:?}{} (see `tlscompat profiles list`)",
    crate::suggest::did_you_mean(suggestions)
)]
pub struct UnknownProfile {
    /// What the user wrote.
    pub input: String,
    /// The closest ids.
    pub suggestions: Vec<String>,
}

impl Catalog {
    /// The shipped profiles.
    pub fn builtin() -> Result<Catalog, ProfileError> {
        let mut catalog = Catalog {
            profiles: Vec::new(),
        };
        for (file, text) in embedded::EMBEDDED {
            catalog.insert(text, Origin::Builtin(file), false)?;
        }
        // Agents before managers, and 9.6 before 10.0 before 10.0-u16.
        catalog.profiles.sort_by(|a, b| {
            (a.profile.role, natural_key(&a.profile.id))
                .cmp(&(b.profile.role, natural_key(&b.profile.id)))
        });
        Ok(catalog)
    }

    /// An empty catalog, for validating files on their own.
    pub fn empty() -> Catalog {
        Catalog {
            profiles: Vec::new(),
        }
    }

    /// Adds every `*.yaml`/`*.yml` file of `dir`, in file-name order.
    pub fn add_dir(&mut self, dir: &Path) -> Result<Vec<String>, ProfileError> {
        let read_err = |e| ProfileError {
            origin: Origin::File(dir.to_path_buf()),
            location: None,
            kind: ProfileErrorKind::Read(e),
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(read_err)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
            .collect();
        files.sort();
        files.iter().map(|f| self.add_file(f)).collect()
    }

    /// Adds one file; returns the id it defines. A file already loaded (by
    /// any spelling of its path) is not loaded again.
    pub fn add_file(&mut self, path: &Path) -> Result<String, ProfileError> {
        if let Some(id) = self.loaded_from(path) {
            return Ok(id);
        }
        let origin = Origin::File(path.to_path_buf());
        let text = std::fs::read_to_string(path).map_err(|e| ProfileError {
            origin: origin.clone(),
            location: None,
            kind: ProfileErrorKind::Read(e),
        })?;
        self.insert(&text, origin, true)
    }

    /// The id of the profile loaded from the file at `path`, if any.
    fn loaded_from(&self, path: &Path) -> Option<String> {
        let wanted = std::fs::canonicalize(path).ok()?;
        self.all()
            .find(|p| match &p.origin {
                Origin::File(f) => std::fs::canonicalize(f).is_ok_and(|f| f == wanted),
                Origin::Builtin(_) => false,
            })
            .map(|p| p.id.clone())
    }

    fn insert(
        &mut self,
        text: &str,
        origin: Origin,
        may_override: bool,
    ) -> Result<String, ProfileError> {
        let profile = Profile::parse(text, origin)?;
        let id_at = locate(text, &[Seg::Key("id")]);
        let entry = Entry { profile, id_at };
        let id = entry.profile.id.clone();
        match self.profiles.iter_mut().find(|e| e.profile.id == id) {
            Some(old) if may_override && matches!(old.profile.origin, Origin::Builtin(_)) => {
                *old = entry;
            }
            Some(old) => {
                let first = match old.id_at {
                    Some(at) => format!("{}:{at}", old.profile.origin),
                    None => old.profile.origin.to_string(),
                };
                return Err(ProfileError {
                    origin: entry.profile.origin,
                    location: entry.id_at,
                    kind: ProfileErrorKind::DuplicateId { id, first },
                });
            }
            None => self.profiles.push(entry),
        }
        Ok(id)
    }

    /// Every profile, shipped ones first.
    pub fn all(&self) -> impl Iterator<Item = &Profile> {
        self.profiles.iter().map(|e| &e.profile)
    }

    /// Profiles of one role.
    pub fn with_role(&self, role: Role) -> impl Iterator<Item = &Profile> {
        self.all().filter(move |p| p.role == role)
    }

    /// The profile with this id.
    pub fn get(&self, id: &str) -> Option<&Profile> {
        self.all().find(|p| p.id == id)
    }

    /// Resolves a command-line profile argument: an id, or else a path to a
    /// profile file (which is loaded and added).
    pub fn resolve(&mut self, arg: &str) -> Result<String, ResolveError> {
        if self.get(arg).is_some() {
            return Ok(arg.to_string());
        }
        let path = Path::new(arg);
        let looks_like_file = path.is_file()
            || arg.contains(std::path::MAIN_SEPARATOR)
            || path.extension().is_some_and(|e| e == "yaml" || e == "yml");
        if looks_like_file {
            return self.add_file(path).map_err(ResolveError::Profile);
        }
        Err(ResolveError::Unknown(UnknownProfile {
            input: arg.to_string(),
            suggestions: crate::suggest::closest(arg, self.all().map(|p| p.id.as_str())),
        }))
    }
}

/// Splits an id into text and number runs, so `dsa-9.6` sorts before `dsa-10.0`.
fn natural_key(id: &str) -> Vec<(String, u64)> {
    let mut key = Vec::new();
    let mut text = String::new();
    let mut chars = id.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            let mut n = u64::from(c as u8 - b'0');
            while let Some(d) = chars.peek().and_then(|d| d.to_digit(10)) {
                n = n.saturating_mul(10).saturating_add(u64::from(d));
                chars.next();
            }
            key.push((std::mem::take(&mut text), n));
        } else {
            text.push(c);
        }
    }
    key.push((text, 0));
    key
}

/// Why a profile argument could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// Neither an id nor a file.
    #[error(transparent)]
    Unknown(UnknownProfile),
    /// A file that does not hold a valid profile.
    #[error(transparent)]
    Profile(ProfileError),
}
